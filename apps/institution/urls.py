from django.urls import path

from apps.institution import views

app_name = "institution"

urlpatterns = [
    path("", views.InstitutionListCreateView.as_view(), name="institutions"),
    path("config", views.ConfigView.as_view(), name="config"),
    path("campuses", views.CampusListCreateView.as_view(), name="campuses"),
    path("campuses/<int:campus_id>", views.CampusDetailView.as_view(), name="campus"),
    path("academic-calendar/current", views.CurrentCalendarView.as_view(), name="calendar-current"),
    path("academic-calendar/years", views.CalendarYearListCreateView.as_view(), name="calendar-years"),
    path("academic-calendar/years/<int:year_id>", views.CalendarYearDetailView.as_view(), name="calendar-year"),
    path("academic-calendar/periods/<int:period_id>", views.PeriodDetailView.as_view(), name="period"),
    path("academic-calendar/holidays", views.HolidayListCreateView.as_view(), name="holidays"),
    path("academic-calendar/holidays/<int:holiday_id>", views.HolidayDetailView.as_view(), name="holiday"),
    path("<int:institution_id>", views.InstitutionDetailView.as_view(), name="institution"),
]
