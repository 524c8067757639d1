"""Hand-made weekly figures shared by tests: a change that its own revisions could erase."""

# Four weekly reports in the NYPD's published layout, citywide, for two categories: the tests of fragile changes
# (weekly_table, preflight, briefing) import them.
FRAGILE = """week_start,week_end,geography,category,wtd_current,wtd_prior,d28_current,d28_prior,ytd_current,ytd_prior
2/2/2026,2/8/2026,citywide,Robbery,40,60,160,240,300,400
2/9/2026,2/15/2026,citywide,Robbery,40,60,160,240,350,460
2/16/2026,2/22/2026,citywide,Robbery,40,60,160,240,400,520
2/23/2026,3/1/2026,citywide,Robbery,40,60,160,240,450,580
2/2/2026,2/8/2026,citywide,Burglary,40,60,160,240,300,400
2/9/2026,2/15/2026,citywide,Burglary,40,60,160,240,340,460
2/16/2026,2/22/2026,citywide,Burglary,40,60,160,240,380,520
2/23/2026,3/1/2026,citywide,Burglary,40,60,160,240,420,580
"""
