package ctt

import java.time.Duration
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Assertions.fail
import org.junit.jupiter.api.Test

/**
 * Issue 7 part 5 for Kotlin: every public object that holds a secret, formatted every way Kotlin
 * offers (toString, string templates, String.valueOf/Objects.toString/format, inside collections,
 * every field reached by reflection, and for exceptions message/localizedMessage/toString/
 * stackTraceToString; fields as a Gson-style serializer reaches them), must not contain any known secret: bearer tokens, client secrets,
 * passwords, fetched access tokens, the callback's access/id/refresh tokens, and a state key.
 * Prints one `SECRETS kotlin:` line with the counts.
 */
class SecretsSweepTest {
    private val bearer = "kotlin-sweep-bearer-5d1e9c"
    private val clientSecret = "kotlin-sweep-client-secret-0b7a"
    private val password = "kotlin-sweep-password-c4e2"
    private val keyText = "kotlin-sweep-state-key-0123456789abcdef"
    private val key = keyText.toByteArray()
    private val previousKey = "kotlin-sweep-previous-key-fedcba9876543210".toByteArray()
    private val access = "eyJhbGciOiJub25lIn0.eyJ0aWQiOiJ0LTEifQ.kotlin-sweep-access-sig-77aa"
    private val idToken = "kotlin-sweep-id-token-31f0"
    private val refresh = "kotlin-sweep-refresh-token-9e9e"

    private val secrets = mutableListOf(
        bearer, clientSecret, password, keyText, access, access.substringAfterLast('.'), idToken, refresh,
        "ctt-demo-secret", "demo-password", "ctt-demo-token",
        String(previousKey),
        key.joinToString("") { "%02x".format(it) },
        key.joinToString(", "), // how a ByteArray's contents print
        previousKey.joinToString("") { "%02x".format(it) },
    )

    /** (what, text) for every format of every object. */
    private val formatted = mutableListOf<Pair<String, String>>()

    /** Every Kotlin/Java way of turning [x] into text, and the same for every field, 3 levels deep. */
    private fun forms(x: Any?, depth: Int = 0, seen: MutableSet<Any> = java.util.Collections.newSetFromMap(java.util.IdentityHashMap())): List<String> {
        if (x == null || !seen.add(x)) return emptyList()
        val out = mutableListOf(
            x.toString(), "$x", "${listOf(x)}", "${mapOf("k" to x)}", java.lang.String.valueOf(x), java.util.Objects.toString(x),
            "%s".format(x), arrayOf(x).contentToString(),
        )
        if (x is Throwable) {
            out += listOfNotNull(x.message, x.localizedMessage, x.stackTraceToString(), x.cause?.toString())
            if (x is CttException) out += listOf(x.detail().toString(), x.detail().message, x.detail().bodySnippet ?: "")
        }
        val c = x.javaClass
        if (depth < 3 && !c.isPrimitive && !c.name.startsWith("java.") && !c.name.startsWith("kotlin.")) {
            for (f in generateSequence<Class<*>>(c) { it.superclass }.takeWhile { it != Any::class.java && it != Throwable::class.java }
                .flatMap { it.declaredFields.asSequence() }) {
                // What a field-reflection serializer (Gson) sees: instance fields, not transient ones.
                if (java.lang.reflect.Modifier.isStatic(f.modifiers) || java.lang.reflect.Modifier.isTransient(f.modifiers)) continue
                val v = try {
                    f.isAccessible = true
                    f.get(x)
                } catch (_: Exception) {
                    continue
                }
                when (v) {
                    is Iterable<*> -> v.forEach { out += forms(it, depth + 1, seen) }
                    is Array<*> -> v.forEach { out += forms(it, depth + 1, seen) }
                    else -> out += forms(v, depth + 1, seen)
                }
            }
        }
        return out
    }

    private fun add(what: String, x: Any?) {
        formatted += what to forms(x).joinToString("\n")
    }

    private inline fun <reified E : CttException> error(what: String, call: () -> Unit) {
        try {
            call()
            fail<Unit>("$what: no error")
        } catch (e: CttException) {
            assertTrue(e is E, "$what: ${e.kind()}")
            add("$what (${e.kind().stableName()})", e)
        }
    }

    @Test
    fun noSecretInAnyFormatOfAnyObject() {
        val custom = MockAccount("kotlin-sweep-client", clientSecret, "sweep@provider.example", password)
        add("MockAccount", custom)
        add("MockAccount.demo", MockAccount.demo())
        val mockConfig = MockServerConfig(accounts = listOf(MockAccount.demo(), custom))
        add("MockServerConfig", mockConfig)
        val mock = MockServer.start(mockConfig)
        add("MockServer", mock)

        val creds = Credentials.passwordGrant("kotlin-sweep-client", clientSecret, "sweep@provider.example", password)
        val bearerCreds = Credentials.bearerToken(bearer)
        for ((n, c) in listOf("password grant" to creds, "bearer" to bearerCreds, "demo grant" to mockDemoPasswordGrant(),
            "demo bearer" to mockDemoBearerToken())) {
            add("Credentials ($n)", c)
            val config = ClientConfig(credentials = c, baseUrl = mock.baseUrl(), timeout = Duration.ofSeconds(10),
                retry = noRetryPolicy(), useEnvProxy = false)
            add("ClientConfig ($n)", config)
            Client(config).use { add("Client ($n)", it) }
        }
        val client = Client(ClientConfig(credentials = creds, baseUrl = mock.baseUrl(), timeout = Duration.ofSeconds(10),
            retry = noRetryPolicy(), useEnvProxy = false))

        // A fetched token: its values are secrets from now on.
        val token = client.fetchToken()
        secrets += token.exposeToken()
        token.exposeRefreshToken()?.let { secrets += it }
        add("AccessToken", token)

        // The signer and everything that holds it.
        val signer = FlowSigner(key).withPreviousKey(previousKey).withMemoryReplayGuard()
        add("FlowSigner", signer)
        val handlerConfig = CallbackHandlerConfig(signer = signer)
        add("CallbackHandlerConfig", handlerConfig)
        val handler = CallbackHandler.withConfig(handlerConfig)
        add("CallbackHandler", handler)
        val listenerConfig = ListenerConfig(handler = handler)
        add("ListenerConfig", listenerConfig)
        val listener = Listener.start(listenerConfig)
        add("Listener", listener)

        // Registration end to end: the mock POSTs MSAL tokens to the listener.
        val request = ActionUrlRequest(ActionType.REGISTRATION, "Secret Corp", listener.callbackUrl(), signer = signer)
        add("ActionUrlRequest", request)
        val action = client.getActionItemUrl(request)
        add("ActionUrl", action)
        val delivery = mock.consent(action.url, Decision.APPROVE)
        add("ConsentDelivery", delivery)
        val event = listener.nextEvent(Duration.ofSeconds(20)) ?: fail("no event delivered")
        val auth = event.authentication() ?: fail("not an authentication event")
        secrets += auth.accessToken.expose()
        secrets += auth.accessToken.expose().substringAfterLast('.')
        auth.idToken?.expose()?.let { secrets += it }
        auth.refreshToken?.expose()?.let { secrets += it }
        add("CallbackEvent (listener)", event)
        add("CallbackEvent.toJson (listener)", event.toJson())
        add("AuthenticationResult (listener)", auth)
        add("Listener after delivery", listener)

        // A known payload parsed in process, directly and through a handler.
        val body = """{"msalAuthenticationResult":{"authenticationResult":{"accessToken":"$access",
            "idToken":"$idToken","refreshToken":"$refresh","expiresOn":1742985175,
            "userInfo":{"displayableId":"admin@acme.example","tenantId":"t-1"}},"tenantId":"t-1"},
            "organization":"Acme","companyAdmin":true}""".toByteArray()
        val parsed = parseAuthenticationResult(body)
        assertEquals(access, parsed.accessToken.expose())
        add("AuthenticationResult (parsed)", parsed)
        add("TokenClaims", parsed.claims)
        add("CallbackEvent (handler)", CallbackHandler().handle("POST", "/callback", "application/json", body))

        // The mock's request log holds Authorization headers and password-grant bodies.
        for (r in mock.requests()) add("RecordedRequest ${r.path}", r)

        // Errors on the way, including a server that echoes the caller's token.
        error<CttException.Unauthorized>("wrong password") {
            Client(ClientConfig(Credentials.passwordGrant("kotlin-sweep-client", clientSecret, "sweep@provider.example",
                "$password-wrong"), mock.baseUrl(), useEnvProxy = false)).use { it.fetchToken() }
        }
        secrets += "$password-wrong"
        error<CttException.Unauthorized>("wrong client secret") {
            Client(ClientConfig(Credentials.passwordGrant("kotlin-sweep-client", "$clientSecret-wrong",
                "sweep@provider.example", password), mock.baseUrl(), useEnvProxy = false)).use { it.fetchToken() }
        }
        secrets += "$clientSecret-wrong"
        val plain = ActionUrlRequest(ActionType.CDR_CONSENT, "Acme", "https://x.example/cb")
        Client(ClientConfig(bearerCreds, mock.baseUrl(), retry = noRetryPolicy(), useEnvProxy = false)).use { c ->
            error<CttException.Unauthorized>("unknown bearer") { c.getActionItemUrl(plain) }
            mock.pushFault(MockEndpoint.ACTION_URL, MockFault.Status(500u, """{"message":"bad token $bearer"}"""))
            error<CttException.Server>("server echoing the bearer (500)") { c.getActionItemUrl(plain) }
            mock.pushFault(MockEndpoint.ACTION_URL, MockFault.Status(400u, """{"message":"bad token $bearer"}"""))
            error<CttException.InvalidInput>("server echoing the bearer (400)") { c.getActionItemUrl(plain) }
        }
        // A token endpoint echoing the password and the client secret back (core redacts them).
        Client(ClientConfig(creds, mock.baseUrl(), retry = noRetryPolicy(), useEnvProxy = false)).use { c ->
            val echo = "password $password secret $clientSecret"
            mock.pushFault(MockEndpoint.TOKEN, MockFault.Status(401u, """{"error":"invalid_grant","error_description":"$echo"}"""))
            error<CttException.Unauthorized>("token endpoint echoing (401)") { c.fetchToken() }
            mock.pushFault(MockEndpoint.TOKEN, MockFault.Status(400u, """{"error":"invalid_request","error_description":"$echo"}"""))
            error<CttException.InvalidInput>("token endpoint echoing (400)") { c.fetchToken() }
            mock.pushFault(MockEndpoint.TOKEN, MockFault.Status(500u, echo))
            error<CttException.Server>("token endpoint echoing (500)") { c.fetchToken() }
        }
        val wrongPlace = """{"msalAuthenticationResult":{"authenticationResult":{"accessToken":"$access"}},
            "companyAdmin":"$refresh"}""".toByteArray()
        error<CttException.MalformedCallback>("malformed callback") { parseAuthenticationResult(wrongPlace) }
        val stateToken = action.stateToken ?: fail("no state token")
        error<CttException.StateRejected>("replayed state") {
            handler.handle("GET", "/callback?ctt_state=$stateToken&success=x", null, ByteArray(0))
        }
        error<CttException.StateRejected>("forged state") {
            handler.handle("GET", "/callback?ctt_state=forged&success=x", null, ByteArray(0))
        }

        listener.close()
        client.close()
        mock.close()

        var leaks = 0
        for ((what, text) in formatted) {
            for (s in secrets) {
                if (text.contains(s)) {
                    println("SECRETS kotlin: LEAK in $what: a ${s.length}-character secret")
                    leaks++
                }
            }
        }
        println("SECRETS kotlin: ${formatted.size} objects x ~10 formats (toString, templates, valueOf, format, " +
            "collections, Gson-visible fields by reflection; exceptions: message, localizedMessage, stack trace, " +
            "detail) checked against ${secrets.size} known secrets: $leaks leak(s)")
        assertEquals(0, leaks, "secrets leaked (see the SECRETS lines)")
    }
}
