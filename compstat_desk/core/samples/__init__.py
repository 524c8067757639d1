"""The bundled samples: a police force and a delivery unit, built into workspaces from the package's own data."""
