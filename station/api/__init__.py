"""The credit station API: the enterprise's own station (`station.api.me`)."""
