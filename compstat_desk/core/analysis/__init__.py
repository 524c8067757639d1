"""The statistics: Compstat windows and tables, series and baselines, peers, places, targets, trajectories, figures."""
