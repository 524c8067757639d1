"""Qt-free core: the workspace store, importing, analysis, actions, meetings, delivery-unit mode and the samples."""
