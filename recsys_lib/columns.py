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
