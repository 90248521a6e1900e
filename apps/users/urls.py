from django.urls import path

from apps.users import views

app_name = "users"

urlpatterns = [
    path("", views.UserListCreateView.as_view(), name="users"),
    path("me/children", views.MyChildrenView.as_view(), name="my-children"),
    path("bulk-validate", views.BulkValidateView.as_view(), name="bulk-validate"),
    path("validate-credentials", views.ValidateCredentialsView.as_view(), name="validate-credentials"),
    path("type/<str:user_type>", views.UsersByTypeView.as_view(), name="by-type"),
    path("<int:user_id>", views.UserDetailView.as_view(), name="user"),
    path("<int:user_id>/guardians", views.GuardianLinksView.as_view(), name="guardians"),
    path("<int:user_id>/guardians/<int:guardian_id>", views.GuardianLinkDetailView.as_view(), name="guardian"),
]
