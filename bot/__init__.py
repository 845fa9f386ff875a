"""The chat platforms, one folder each (slack/, teams/, console/): each only translates between its platform and the core's contract."""
