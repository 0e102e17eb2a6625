"""Column names and categorical values of the ShopSim tables.

Every module reads these constants instead of writing column names as string literals,
so a renamed column is a one-line change. Introduced in module 00 (shop_data).
"""
from __future__ import annotations

# --- items ------------------------------------------------------------------
ITEM_ID = "item_id"
CATEGORY = "category"          # two-level, "top/leaf", e.g. "electronics/phones"
BRAND = "brand"
PRICE = "price"                # list price
RATING = "rating"              # average star rating, 1.0 .. 5.0
TITLE = "title"                # space-separated tokens
LAUNCH_DAY = "launch_day"      # day index relative to the start of the log (may be negative)

ITEM_COLUMNS = (ITEM_ID, CATEGORY, BRAND, PRICE, RATING, TITLE, LAUNCH_DAY)

# --- users ------------------------------------------------------------------
USER_ID = "user_id"
REGION = "region"
DEVICE = "device"
AGE_BAND = "age_band"
SIGNUP_DAY = "signup_day"      # day index relative to the start of the log (may be negative)

USER_COLUMNS = (USER_ID, REGION, DEVICE, AGE_BAND, SIGNUP_DAY)

# --- events -----------------------------------------------------------------
SESSION_ID = "session_id"
TIMESTAMP = "timestamp"
EVENT_TYPE = "event_type"
QUERY = "query"                # search text, only for search events
POSITION = "position"          # 1-based rank shown, only for impressions
PRICE_PAID = "price_paid"      # only for purchases

EVENT_COLUMNS = (USER_ID, SESSION_ID, TIMESTAMP, EVENT_TYPE, ITEM_ID, QUERY, POSITION, PRICE_PAID)

# --- event types, in funnel order --------------------------------------------
SEARCH = "search"
IMPRESSION = "impression"
CLICK = "click"
FAVORITE = "favorite"
ADD_TO_CART = "add_to_cart"
PURCHASE = "purchase"

EVENT_TYPES = (SEARCH, IMPRESSION, CLICK, FAVORITE, ADD_TO_CART, PURCHASE)
FUNNEL = (IMPRESSION, CLICK, ADD_TO_CART, PURCHASE)

# --- table names and files ------------------------------------------------------
ITEMS = "items"
USERS = "users"
EVENTS = "events"
TABLES = (ITEMS, USERS, EVENTS)
TABLE_COLUMNS = {ITEMS: ITEM_COLUMNS, USERS: USER_COLUMNS, EVENTS: EVENT_COLUMNS}

TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"

# --- derived task tables (recsys_lib.tasks) --------------------------------------------
WEEK = "week"                          # week index: days since the start of the log // 7
UNITS = "units"                        # units sold (purchases) of an item in a week
UNITS_PREV_WEEK = "units_prev_week"
DISCOUNT = "discount"                  # promotion discount of the item that week (0 .. 0.3)
DAYS_SINCE_LAUNCH = "days_since_launch"
CATEGORY_CLICK_SHARE = "category_click_share_prev_week"
LOG_PRICE = "log_price"
LOG_POSITION = "log_position"
RATING_CENTERED = "rating_centered"    # rating - 4
LOG_PRICE_RATIO = "log_price_ratio"    # ln(price / median price of the item's category)
TRUE_AFFINITY = "true_affinity"        # oracle-only: the latent taste match a_ui
CLICKED = "clicked"
