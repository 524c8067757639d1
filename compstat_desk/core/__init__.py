"""Qt-free core: the workspace store, import, and (later) analysis, actions and meetings."""
