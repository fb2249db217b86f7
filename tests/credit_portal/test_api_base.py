import pytest
from django.core.exceptions import ValidationError
from django.urls import path
from rest_framework import serializers
from rest_framework.views import APIView

pytestmark = pytest.mark.django_db


class _ServiceRaisesApi(APIView):
    """Stands for any API view whose service rejects the input with a Django ValidationError."""

    class InputSerializer(serializers.Serializer):
        count = serializers.IntegerField(min_value=1)

    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        raise ValidationError({"listed_on": ["Listing date cannot be in the future."]})


urlpatterns = [path("t/", _ServiceRaisesApi.as_view())]


@pytest.mark.urls(__name__)
def test_service_validation_error_is_a_400_with_field_messages(api_client_for, user_with_perms):
    response = api_client_for(user_with_perms()).post("/t/", {"count": 2}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"listed_on": ["Listing date cannot be in the future."]}
    assert response.json()["code"] == "invalid"


@pytest.mark.urls(__name__)
def test_serializer_error_has_the_same_shape_in_the_users_language(api_client_for, user_with_perms):
    client = api_client_for(user_with_perms())
    response = client.post("/t/", {"count": "many"}, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "提交的数据有误。"
    assert list(body["errors"]) == ["count"]


@pytest.mark.urls(__name__)
def test_unauthenticated_request_is_refused(api_client_for):
    response = api_client_for(None).post("/t/", {"count": 2}, format="json")
    assert response.status_code in (401, 403)
    assert set(response.json()) == {"detail", "code"}


def test_token_authentication_works(api_client_for, user_with_perms):
    """A token opens an endpoint that refuses anonymous callers, as its owner; a wrong one
    does not (the client sends no session cookie: the token is all it has)."""
    user_with_perms("enterprises.view_enterprise", username="api-user")
    anonymous = api_client_for(None)
    assert anonymous.get("/api/v1/enterprises/").status_code in (401, 403)
    issued = anonymous.post(
        "/api/v1/auth/token/", {"username": "api-user", "password": "Secret-pass-123"}
    )
    assert issued.status_code == 200
    token = issued.json()["token"]

    client = api_client_for(None)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = client.get("/api/v1/enterprises/")
    assert response.status_code == 200
    assert "results" in response.json() or isinstance(response.json(), list)

    wrong = api_client_for(None)
    wrong.credentials(HTTP_AUTHORIZATION=f"Token {token[::-1]}x")
    assert wrong.get("/api/v1/enterprises/").status_code in (401, 403)


def test_bad_token_request_names_the_fields(api_client_for):
    response = api_client_for(None).post("/api/v1/auth/token/", {}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"username", "password"}


def test_schema_and_docs_are_served_without_a_cdn(client, user_with_perms):
    client.force_login(user_with_perms())
    schema = client.get("/api/schema/?lang=en", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    assert schema.json()["info"]["title"] == "Credit Portal API"
    docs = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in docs
    assert "cdn" not in docs.lower() and "jsdelivr" not in docs.lower()
