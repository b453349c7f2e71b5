"""Deliberation pages: the group's and the motion's pages, the convener's desk, meetings and
ballots (urls_desk), and the county's view and topics (urls_county)."""

from sizhi.deliberation import urls_county, urls_desk

app_name = "deliberation"
urlpatterns = [*urls_desk.urlpatterns, *urls_county.urlpatterns]
