"""Prediction tasks derived from ShopSim: the tables the model modules train on.

- :func:`units_sold_table` — module 01: units an item sells in a week.
- :func:`click_table`, :func:`true_click_weights` — module 02: will this impression be clicked?
"""
from recsys_lib.tasks.clicks import click_table, label_impressions, true_click_weights
from recsys_lib.tasks.units_sold import units_sold_table

__all__ = ["click_table", "label_impressions", "true_click_weights", "units_sold_table"]
