"""Pages of the credit station: the enterprise's own station (`station.views.me`)."""
