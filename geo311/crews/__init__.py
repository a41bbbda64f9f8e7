"""Crews: where a department's demand falls against where its crews are.

:mod:`geo311.crews.reallocation` compares each ward's share of a department's
requests with its share of the crews and suggests a fairer split.
"""
