"""Repositories, one per aggregate: the queries the core and the jobs need, and nothing that decides."""
