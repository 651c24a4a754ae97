package ctt

import java.io.File
import java.math.BigDecimal
import java.time.Instant
import org.json.JSONArray
import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Assertions.fail
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.TestFactory

/** Runs every case of tests/fixtures/cases through the Kotlin API (see tests/fixtures/README.md). */
class FixturesTest {
    private val dir = File(System.getProperty("ctt.fixtures.dir") ?: "../../tests/fixtures/cases")

    private fun cases(): List<JSONObject> {
        val files = dir.listFiles { f -> f.name.endsWith(".json") }?.sortedBy { it.name }
            ?: fail("no fixture directory at $dir")
        return files.flatMap { f ->
            val arr = JSONObject(f.readText()).getJSONArray("cases")
            (0 until arr.length()).map { arr.getJSONObject(it) }
        }
    }

    @TestFactory
    fun everyFixtureCase(): List<DynamicTest> {
        val all = cases()
        assertTrue(all.size >= 100, "expected the shared fixture set, found ${all.size} cases")
        return all.map { c -> DynamicTest.dynamicTest(c.getString("name")) { check(c) } }
    }

    private fun check(case: JSONObject) {
        val expect = case.getJSONObject("expect")
        val outcome: Any = try {
            run(case.getJSONObject("input"))
        } catch (e: CttException) {
            e
        }
        when {
            expect.has("ok") -> {
                if (outcome is CttException) fail<Unit>("expected success, got $outcome")
                val problem = subset(expect.get("ok"), outcome, "ok")
                if (problem != null) fail<Unit>("$problem\noutcome: $outcome")
            }
            expect.has("error") -> {
                if (outcome !is CttException) fail<Unit>("expected an error, got $outcome")
                checkError(expect.getJSONObject("error"), outcome as CttException)
            }
            else -> fail("case has neither ok nor error")
        }
    }

    private fun checkError(exp: JSONObject, e: CttException) {
        val d = e.detail()
        for (key in exp.keySet()) {
            val want = exp.get(key)
            val got: Any? = when (key) {
                "kind" -> e.kind().stableName()
                "field" -> d.field
                "status" -> d.status?.toInt()
                "retry_after_secs" -> d.retryAfter?.seconds
                "rejection" -> d.rejection?.stableName()
                "message_contains" -> {
                    if (!d.message.contains(want as String)) fail<Unit>("message '${d.message}' lacks '$want'")
                    continue
                }
                else -> fail("unknown error key $key")
            }
            if (!same(want, got)) fail<Unit>("error $key: expected $want, got $got ($e)")
        }
        // The variant and the kind agree.
        val variant = e::class.simpleName!!.replace(Regex("([a-z])([A-Z])"), "$1_$2").lowercase()
        if (variant != e.kind().stableName()) fail<Unit>("variant $variant for kind ${e.kind().stableName()}")
    }

    private fun same(want: Any?, got: Any?): Boolean = when {
        want == null || want == JSONObject.NULL -> got == null || got == JSONObject.NULL
        want is Number && got is Number -> BigDecimal(want.toString()).compareTo(BigDecimal(got.toString())) == 0
        else -> want == got
    }

    /** null when `expected` is a subset of `actual`, else what differs. */
    private fun subset(expected: Any?, actual: Any?, path: String): String? {
        if (expected is JSONObject) {
            if (actual !is JSONObject) return "$path: expected an object, got $actual"
            for (k in expected.keySet()) {
                val ev = expected.get(k)
                if (!actual.has(k)) {
                    if (ev == JSONObject.NULL) continue
                    return "$path.$k: missing"
                }
                subset(ev, actual.get(k), "$path.$k")?.let { return it }
            }
            return null
        }
        if (expected is JSONArray) {
            if (actual !is JSONArray) return "$path: expected an array, got $actual"
            if (expected.length() != actual.length()) return "$path: length ${actual.length()} != ${expected.length()}"
            for (i in 0 until expected.length()) subset(expected.get(i), actual.get(i), "$path[$i]")?.let { return it }
            return null
        }
        return if (same(expected, actual)) null else "$path: expected $expected, got $actual"
    }

    // ------------------------------------------------------------------ running one input

    private fun opt(v: Any?): Any = v ?: JSONObject.NULL

    private fun str(o: JSONObject, k: String): String? = if (o.isNull(k)) null else o.getString(k)

    private fun hex(s: String): ByteArray = ByteArray(s.length / 2) { s.substring(2 * it, 2 * it + 2).toInt(16).toByte() }

    private fun body(input: JSONObject): ByteArray {
        if (input.has("body_fill") && !input.isNull("body_fill")) {
            val fill = input.getJSONObject("body_fill")
            return ByteArray(fill.getInt("len")) { fill.getString("byte")[0].code.toByte() }
        }
        if (input.has("body_json")) return input.get("body_json").toString().toByteArray()
        return (str(input, "body") ?: "").toByteArray()
    }

    private fun run(input: JSONObject): JSONObject = when (input.getString("kind")) {
        "action_type" -> {
            val t = actionTypeFromWire(input.getString("wire"))
            JSONObject()
                .put("wire", t.wireName())
                .put("code", t.code().toInt())
                .put("requirement", t.requirement().stableName())
                .put("callback_style", t.callbackStyle().stableName())
                .put("services", JSONArray(t.services().map { it.stableName() }))
        }
        "consent_plan" -> {
            val arr = input.getJSONArray("services")
            val services = (0 until arr.length()).map { serviceFromName(arr.getString(it)) }
            ConsentPlan.forServices(services).use { plan ->
                JSONObject().put("steps", JSONArray(plan.steps().map {
                    JSONObject().put("action_type", it.actionType.wireName()).put("optional", it.optional)
                }))
            }
        }
        "validate" -> when (input.getString("field")) {
            "enterpriseName" -> JSONObject().put("value", validateEnterpriseName(input.getString("value")))
            "redirectUrl" -> JSONObject().put("value", validateRedirectUrl(input.getString("value")))
            else -> fail("unknown field")
        }
        "redirect" -> consentJson(parseConsentRedirect(input.getString("url")))
        "auth_result" -> parseAuthenticationResultAt(body(input), Instant.ofEpochSecond(input.getLong("received_at")))
            .let { authJson(it) }
        "callback" -> {
            val config = CallbackHandlerConfig(
                bodyLimit = if (input.has("body_limit") && !input.isNull("body_limit")) input.getLong("body_limit").toULong() else null,
            )
            CallbackHandler.withConfig(config).use { h ->
                h.handle(input.getString("method"), input.getString("url"), str(input, "content_type"), body(input)).use { ev ->
                    val auth = ev.authentication()
                    if (auth != null) authJson(auth) else consentJson(ev.consent()!!)
                }
            }
        }
        "action_url_response" -> {
            val a = parseActionUrlResponse(input.getInt("status").toUShort(), input.getString("body"), str(input, "retry_after"))
            JSONObject().put("url", a.url).put("consent", consentUrlJson(a.consent))
        }
        "consent_url" -> consentUrlJson(inspectConsentUrl(input.getString("url")))
        "state_issue" -> FlowSigner(hex(input.getString("key_hex"))).use { s ->
            val token = s.issueAt(
                actionTypeFromWire(input.getString("action_type")),
                input.getString("enterprise_name"),
                Instant.ofEpochSecond(input.getLong("issued_at")),
                hex(input.getString("nonce_hex")),
            )
            JSONObject().put("token", token)
        }
        "state_verify" -> {
            var signer = FlowSigner(hex(input.getString("key_hex")))
            input.optJSONArray("previous_keys_hex")?.let { keys ->
                for (i in 0 until keys.length()) signer = signer.withPreviousKey(hex(keys.getString(i)))
            }
            if (input.has("ttl_secs") && !input.isNull("ttl_secs")) {
                signer = signer.withTtl(java.time.Duration.ofSeconds(input.getLong("ttl_secs")))
            }
            if (input.optBoolean("replay_guard", false)) signer = signer.withMemoryReplayGuard()
            signer.use { s ->
                val now = Instant.ofEpochSecond(input.getLong("now"))
                val repeat = if (input.has("repeat") && !input.isNull("repeat")) input.getInt("repeat") else 1
                var state: FlowState? = null
                var error: CttException? = null
                repeat(repeat) {
                    try {
                        state = s.verifyAt(input.getString("token"), now)
                        error = null
                    } catch (e: CttException) {
                        error = e
                    }
                }
                error?.let { throw it }
                val st = state!!
                JSONObject()
                    .put("action_type", st.actionType.wireName())
                    .put("enterprise_name", st.enterpriseName)
                    .put("issued_at", st.issuedAt.epochSecond)
                    .put("nonce_hex", st.nonceHex)
            }
        }
        else -> fail("unknown input kind ${input.getString("kind")}")
    }

    private fun consentJson(r: ConsentRedirect): JSONObject {
        val o = r.outcome
        val failed = o as? ConsentOutcome.Failed
        return JSONObject()
            .put("event", if (o.isSuccess()) "consent_succeeded" else "consent_failed")
            .put("message", o.message())
            .put("error_code", opt(failed?.errorCode))
            .put("error_subcode", opt(failed?.errorSubcode))
            .put("path", r.path)
            .put("params", JSONArray(r.params.map { JSONArray(listOf(it.name, it.value)) }))
    }

    private fun authJson(a: AuthenticationResult): JSONObject {
        val user = a.userInfo?.let {
            JSONObject().put("displayable_id", opt(it.displayableId)).put("identity_provider", opt(it.identityProvider))
                .put("tenant_id", opt(it.tenantId))
        }
        val claims = a.claims?.let {
            JSONObject().put("tid", opt(it.tid)).put("oid", opt(it.oid)).put("upn", opt(it.upn))
                .put("preferred_username", opt(it.preferredUsername)).put("scopes", JSONArray(it.scopes))
                .put("exp", opt(it.exp))
        }
        val expiry = a.expiry
        return JSONObject()
            .put("event", "authenticated")
            .put("access_token", a.accessToken.expose())
            .put("id_token", opt(a.idToken?.expose()))
            .put("refresh_token", opt(a.refreshToken?.expose()))
            .put("access_token_type", opt(a.accessTokenType))
            .put("expires_on_raw", opt(a.expiresOnRaw))
            .put("expires_at", opt(expiry.expiresAtUnix))
            .put("expiry_source", expiry.source.stableName())
            .put("organization", opt(a.organization))
            .put("office_user_type", opt(a.officeUserType))
            .put("company_admin", opt(a.companyAdmin))
            .put("contains_teams_tenant_admin_api", opt(a.containsTeamsTenantAdminApi))
            .put("tenant_id", opt(a.effectiveTenantId))
            .put("tenant_mismatch", a.tenantMismatch)
            .put("user", opt(user))
            .put("claims", opt(claims))
    }

    private fun consentUrlJson(c: ConsentUrl): JSONObject = JSONObject()
        .put("host", c.host)
        .put("is_authorize", c.isAuthorize)
        .put("client_id", opt(c.clientId))
        .put("response_type", opt(c.responseType))
        .put("response_mode", opt(c.responseMode))
        .put("scopes", JSONArray(c.scopes))
        .put("state", opt(c.state))
        .put("nonce", opt(c.nonce))
        .put("redirect_uri", opt(c.redirectUri))
}
