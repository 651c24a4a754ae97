"""Callback parsing in Python: the ctt binding against json.loads + dataclasses and pydantic v2,
each extracting the same fields into Python objects.

    python parse.py ITERS ROUNDS FILE...

Prints "parse <TAB> contender <TAB> file <TAB> round <TAB> ns-per-parse" lines."""
from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import dataclass
from typing import Any, Callable, Optional

import ctt
from pydantic import BaseModel, ConfigDict, Field


# --- json.loads + dataclasses: what a careful user writes by hand -------------------------------
@dataclass
class UserInfoDC:
    displayable_id: Optional[str]
    identity_provider: Optional[str]
    tenant_id: Optional[str]


@dataclass
class AuthResultDC:
    access_token: str
    access_token_type: Optional[str]
    expires_on: Optional[int]
    id_token: Optional[str]
    refresh_token: Optional[str]
    multiple_resource_refresh_token: Optional[bool]
    user_info: Optional[UserInfoDC]
    tenant_id: Optional[str]
    reseller_id: Optional[str]
    organization: Optional[str]
    office_user_type: Optional[str]
    company_admin: Optional[bool]
    contains_teams_tenant_admin_api: Optional[bool]


def with_dataclasses(body: bytes) -> AuthResultDC:
    d = json.loads(body)
    msal = d.get("msalAuthenticationResult") or {}
    a = msal.get("authenticationResult") or {}
    token = a.get("accessToken")
    if not isinstance(token, str) or not token:
        raise ValueError("no access token")
    u = a.get("userInfo")
    return AuthResultDC(
        access_token=token,
        access_token_type=a.get("accessTokenType"),
        expires_on=a.get("expiresOn"),
        id_token=a.get("idToken"),
        refresh_token=a.get("refreshToken"),
        multiple_resource_refresh_token=a.get("multipleResourceRefreshToken"),
        user_info=UserInfoDC(u.get("displayableId"), u.get("identityProvider"), u.get("tenantId")) if u else None,
        tenant_id=msal.get("tenantId"),
        reseller_id=msal.get("resellerId"),
        organization=d.get("organization"),
        office_user_type=d.get("officeUserType"),
        company_admin=d.get("companyAdmin"),
        contains_teams_tenant_admin_api=d.get("containsTeamsTenantAdminAPI"),
    )


# --- pydantic v2 ------------------------------------------------------------------------------
class UserInfoPD(BaseModel):
    model_config = ConfigDict(extra="ignore")
    displayable_id: Optional[str] = Field(None, alias="displayableId")
    identity_provider: Optional[str] = Field(None, alias="identityProvider")
    tenant_id: Optional[str] = Field(None, alias="tenantId")


class AuthPD(BaseModel):
    model_config = ConfigDict(extra="ignore")
    access_token: str = Field(alias="accessToken", min_length=1)
    access_token_type: Optional[str] = Field(None, alias="accessTokenType")
    expires_on: Optional[int] = Field(None, alias="expiresOn")
    id_token: Optional[str] = Field(None, alias="idToken")
    refresh_token: Optional[str] = Field(None, alias="refreshToken")
    multiple_resource_refresh_token: Optional[bool] = Field(None, alias="multipleResourceRefreshToken")
    user_info: Optional[UserInfoPD] = Field(None, alias="userInfo")


class MsalPD(BaseModel):
    model_config = ConfigDict(extra="ignore")
    authentication_result: AuthPD = Field(alias="authenticationResult")
    reseller_id: Optional[str] = Field(None, alias="resellerId")
    tenant_id: Optional[str] = Field(None, alias="tenantId")


class PayloadPD(BaseModel):
    model_config = ConfigDict(extra="ignore")
    msal: MsalPD = Field(alias="msalAuthenticationResult")
    organization: Optional[str] = None
    office_user_type: Optional[str] = Field(None, alias="officeUserType")
    company_admin: Optional[bool] = Field(None, alias="companyAdmin")
    contains_teams_tenant_admin_api: Optional[bool] = Field(None, alias="containsTeamsTenantAdminAPI")


def with_pydantic(body: bytes) -> PayloadPD:
    return PayloadPD.model_validate_json(body)


# --- the ctt binding: parse, then read the same fields (each read makes the Python object) -----
def with_ctt(body: bytes) -> tuple[Any, ...]:
    r = ctt.parse_authentication_result(body)
    u = r.user_info
    idt = r.id_token
    return (
        r.access_token.expose(), r.access_token_type, r.expires_on_raw,
        idt.expose() if idt is not None else None, r.refresh_token, r.multiple_resource_refresh_token,
        (u.displayable_id, u.identity_provider, u.tenant_id) if u is not None else None,
        r.tenant_id, r.reseller_id, r.organization, r.office_user_type, r.company_admin,
        r.contains_teams_tenant_admin_api,
    )


CONTENDERS: list[tuple[str, Callable[[bytes], Any]]] = [
    ("Python ctt.parse_authentication_result (+ fields)", with_ctt),
    ("Python json.loads + dataclasses", with_dataclasses),
    ("Python pydantic v2 model_validate_json", with_pydantic),
]


def per_op(fn: Callable[[bytes], Any], body: bytes, iters: int) -> float:
    start = time.perf_counter_ns()
    for _ in range(iters):
        fn(body)
    return (time.perf_counter_ns() - start) / iters


def main() -> None:
    iters, rounds, files = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
    bodies = [(os.path.basename(f), open(f, "rb").read()) for f in files]
    for _, body in bodies:  # same answers from everyone, and a warm-up
        a, b, c = with_ctt(body), with_dataclasses(body), with_pydantic(body)
        assert a[0] == b.access_token == c.msal.authentication_result.access_token
        assert a[2] == b.expires_on == c.msal.authentication_result.expires_on
        assert a[9] == b.organization == c.organization
        for _, fn in CONTENDERS:
            per_op(fn, body, iters // 10 + 1)
    for r in range(rounds):
        for name, body in bodies:
            k = r % len(CONTENDERS)
            for cname, fn in CONTENDERS[k:] + CONTENDERS[:k]:
                print(f"parse\t{cname}\t{name}\t{r}\t{per_op(fn, body, iters):.1f}", flush=True)


if __name__ == "__main__":
    main()
