"""Resident, motion, desk, meeting and publicity pages."""

from django.urls import URLPattern, path

from sizhi.deliberation import views_meeting, views_motion, views_public

urlpatterns: list[URLPattern] = [
    path("", views_public.home, name="home"),
    # Anyone: a group's page, its public motions and their files, the notice-board print.
    path("groups/<str:code>/", views_public.group, name="group"),
    path(
        "groups/<str:code>/motions/<int:motion_id>/",
        views_public.public_motion,
        name="public_motion",
    ),
    path(
        "groups/<str:code>/motions/<int:motion_id>/files/<int:attachment_id>/",
        views_public.public_attachment,
        name="public_attachment",
    ),
    path("groups/<str:code>/propose/", views_public.propose, name="propose"),
    path("bodies/<int:unit_id>/", views_public.body, name="body"),
    path(
        "publications/<int:publication_id>/print/",
        views_public.print_publication,
        name="print",
    ),
    # The motion page and its steps.
    path("desk/", views_motion.desk, name="desk"),
    path("motions/", views_motion.motion_list, name="motions"),
    path("motions/<int:motion_id>/", views_motion.motion_page, name="motion"),
    *(
        path(f"motions/<int:motion_id>/{slug}/", view, name=f"motion_{slug.replace('-', '_')}")
        for slug, view in views_motion.VIEWS.items()
    ),
    path(
        "motions/<int:motion_id>/attachments/<int:attachment_id>/",
        views_motion.attachment,
        name="attachment",
    ),
    path(
        "publications/<int:publication_id>/objections/",
        views_motion.file_objection,
        name="file_objection",
    ),
    path(
        "objections/<int:objection_id>/answer/",
        views_motion.answer_objection,
        name="answer_objection",
    ),
    # Meetings and ballots.
    path("meetings/new/", views_meeting.meeting_new, name="meeting_new"),
    path("meetings/<int:meeting_id>/", views_meeting.meeting_page, name="meeting"),
    path("meetings/<int:meeting_id>/attendance/", views_meeting.attendance, name="attendance"),
    path("meetings/<int:meeting_id>/ballots/", views_meeting.open_ballot, name="open_ballot"),
    path("ballots/<int:ballot_id>/", views_meeting.ballot_page, name="ballot"),
    path("ballots/<int:ballot_id>/votes/", views_meeting.record_votes, name="record_votes"),
    path("ballots/<int:ballot_id>/counts/", views_meeting.record_counts, name="record_counts"),
    path("ballots/<int:ballot_id>/vote/", views_meeting.cast_vote, name="cast_vote"),
    path("ballots/<int:ballot_id>/close/", views_meeting.close_ballot, name="close_ballot"),
]
