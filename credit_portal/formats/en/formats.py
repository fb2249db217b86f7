"""English dates as the portal's English texts write them ("between 1 January and 30 June"):
day, month name, year. Django's default (American "Sept. 7, 2026") mixed two styles on a page."""

DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H:i"
MONTH_DAY_FORMAT = "j F"
