"""API of the accounts app: who am I (``/me/``) and my API tokens (``/tokens/``)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from shanzhi.core.api import error_responses

from . import tokens
from .authentication import TokenAuthentication
from .models import ApiToken, Post
from .scope import scope_for


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    """Documents ``Authorization: Token <key>`` as the "tokenAuth" apiKey scheme."""

    target_class = "shanzhi.accounts.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "个人 API 令牌：请求头 `Authorization: Token <key>`。"
            "令牌在“API 令牌”页面或 POST /api/v1/tokens/ 创建，密钥只显示一次。",
        }


# --- /me/ ---------------------------------------------------------------------------------------


class PlaceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class MePostSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    role = serializers.CharField()
    role_label = serializers.CharField(source="get_role_display")
    area = PlaceSerializer(allow_null=True)
    department = PlaceSerializer(allow_null=True)


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    real_name = serializers.CharField()
    posts = MePostSerializer(many=True, help_text="有效岗位：角色及其所在区域或部门。")
    capabilities = serializers.ListField(
        child=serializers.CharField(), help_text="可用的功能权限，例如 areas.view、areas.manage。"
    )


class MeView(APIView):
    """The caller: name, posts and what they may do."""

    @extend_schema(
        operation_id="me_retrieve",
        summary="当前用户",
        responses={200: MeSerializer, **error_responses()},
        tags=["accounts"],
    )
    def get(self, request: Request) -> Response:
        user = request.user
        posts = Post.objects.filter(user_id=user.pk, is_active=True).select_related(  # type: ignore[misc]
            "area", "department"
        )
        data = {
            "username": user.get_username(),
            "real_name": getattr(user, "real_name", ""),
            "posts": list(posts),
            "capabilities": sorted(scope_for(user).capabilities),
        }
        return Response(MeSerializer(data).data)


# --- /tokens/ -----------------------------------------------------------------------------------


class ApiTokenSerializer(serializers.ModelSerializer):
    is_active = serializers.SerializerMethodField(help_text="未撤销即有效。")

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "last_used_at", "revoked_at", "is_active"]
        read_only_fields = fields

    def get_is_active(self, token: ApiToken) -> bool:
        return token.revoked_at is None


class ApiTokenCreateSerializer(serializers.Serializer):
    name = serializers.CharField(
        max_length=tokens.NAME_MAX_LENGTH, help_text="用途，例如“区指挥中心大屏”。"
    )


class ApiTokenCreatedSerializer(ApiTokenSerializer):
    key = serializers.CharField(
        help_text="令牌密钥，仅在创建时返回这一次；请求头写作 `Authorization: Token <key>`。"
    )

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "key"]
        read_only_fields = fields


# Creating a token needs a login or a token, never anything weaker, whatever the defaults become.
TOKEN_AUTHENTICATION = [TokenAuthentication, SessionAuthentication]


class TokenListView(GenericAPIView):
    """The caller's own tokens; creating one answers its key, once."""

    authentication_classes = TOKEN_AUTHENTICATION
    serializer_class = ApiTokenSerializer

    def get_queryset(self) -> QuerySet[ApiToken]:
        if getattr(self, "swagger_fake_view", False):
            return ApiToken.objects.none()
        return tokens.api_token_list(user=self.request.user)

    @extend_schema(
        operation_id="tokens_list",
        summary="我的 API 令牌",
        description="只列出本人的令牌（含已撤销的）；密钥从不返回。",
        responses={200: ApiTokenSerializer(many=True), **error_responses()},
        tags=["accounts"],
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(ApiTokenSerializer(page, many=True).data)

    @extend_schema(
        operation_id="tokens_create",
        summary="创建 API 令牌",
        description="返回的 key 只出现这一次，服务器只保存其 SHA-256 摘要。",
        request=ApiTokenCreateSerializer,
        responses={201: ApiTokenCreatedSerializer, **error_responses(400)},
        tags=["accounts"],
    )
    def post(self, request: Request) -> Response:
        form = ApiTokenCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        token, key = tokens.api_token_create(
            actor=request.user, name=form.validated_data["name"], request=request
        )
        token.key = key  # type: ignore[attr-defined]  # shown in this response only
        return Response(ApiTokenCreatedSerializer(token).data, status=status.HTTP_201_CREATED)


class TokenDetailView(APIView):
    authentication_classes = TOKEN_AUTHENTICATION

    @extend_schema(
        operation_id="tokens_revoke",
        summary="撤销 API 令牌",
        description="撤销后该令牌立即失效（401）。只能撤销本人的令牌，他人的令牌视为不存在（404）。",
        responses={204: OpenApiResponse(description="已撤销。"), **error_responses(404)},
        tags=["accounts"],
    )
    def delete(self, request: Request, pk: int) -> Response:
        token = tokens.api_token_get(user=request.user, pk=pk)
        tokens.api_token_revoke(actor=request.user, token=token, request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)
