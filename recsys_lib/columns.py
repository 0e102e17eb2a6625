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

# --- module 05 (svm): recsys_lib.tasks.price_purchase, one row per add-to-cart -----------------
SESSION_CLICKS = "session_clicks"                      # clicks in the session before the cart
SESSION_CARTS_BEFORE = "session_carts_before"          # add-to-carts in the session before this one
SESSION_PURCHASES_BEFORE = "session_purchases_before"  # purchases in the session before the cart
SECONDS_IN_SESSION = "seconds_in_session"              # from the session's first event to the cart
PAST_CARTS = "past_carts"                              # the shopper's add-to-carts in earlier sessions
PAST_PURCHASES = "past_purchases"                      # the shopper's purchases in earlier sessions
PAST_CART_CONVERSION = "past_cart_conversion"          # (past_purchases + 1) / (past_carts + 2)
HAS_CLICK_HISTORY = "has_click_history"                # 1 if the shopper clicked in an earlier session
LOG_PRICE_VS_USUAL = "log_price_vs_usual"              # ln(price now) - mean ln(price) of earlier clicks
DEVICE_MOBILE = "device_mobile"                        # 0/1 device indicators (desktop = reference)
DEVICE_TABLET = "device_tablet"
TRUE_PURCHASE_PROB = "true_purchase_probability"       # oracle-only: the generator's P(buy | cart)

# --- module 06 (neural_networks_backprop): recsys_lib.tasks.next_category, one row per purchase ---
NEXT_CATEGORY = "next_category"              # label: top-level category of the purchased item (str)
NEXT_CATEGORY_CODE = "next_category_code"    # the same as an index into TOP_CATEGORIES (int label)
NEW_SESSION = "new_session"                  # 1 if the purchase step opens a session (no earlier event in it)
LOG_CLICKS = "log_clicks"                    # ln(1 + clicks before the prediction time)
LOG_CARTS = "log_carts"                      # ln(1 + add-to-carts before it)
LOG_PURCHASES = "log_purchases"              # ln(1 + purchases before it)
CLICK_SHARE_PREFIX = "click_share="          # + top category: recency-weighted share of clicks
CART_SHARE_PREFIX = "cart_share="            # + top category: ... of add-to-carts
PURCHASE_SHARE_PREFIX = "purchase_share="    # + top category: ... of purchases
LAST_VIEW_PREFIX = "last_view="              # + leaf category: one-hot of the session's last result list
DEVICE_PREFIX = "device="                    # + device: one-hot
