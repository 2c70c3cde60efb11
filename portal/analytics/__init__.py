"""QC in context (issue 16): the pure statistics behind distributions, trends and rankings.

No Dash, no Flask, no store: the SQL side (portal.store.sql.analytics) computes the same
quantities in the database and tests compare the two.
"""
