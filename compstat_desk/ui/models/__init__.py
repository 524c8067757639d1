"""Table models: pandas frames and the workspace's rows as Qt item models."""
