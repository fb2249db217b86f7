"""The dashboard's pages (issue 18 §1): `page` (the staff dashboard); `present` builds what the
page shows from the one `Dashboard` object."""
