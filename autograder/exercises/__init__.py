"""Exercise-specific checks, one module per course module (``m00_shop_data``, ...).

They build expected values with the reference implementations in ``recsys_lib`` (bound at
import time, when the notebook's locked setup cell imports them) and call the generic checks in
``autograder.checks``, adding the mistakes each exercise is known for.
"""
