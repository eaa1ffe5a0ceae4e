"""Offline text intelligence: tone, intake facts, reply coaching and answer matching.

Everything runs locally on the CPU from code and small data files in this package; nothing is
fetched at run time. Import the functions from the submodules (``analyze`` is the façade).
"""
