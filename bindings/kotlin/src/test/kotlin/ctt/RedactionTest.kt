package ctt

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/** Secrets never appear in toString/messages; reading one is an explicit `expose…` call. */
class RedactionTest {
    private val access = "eyJhbGciOiJub25lIn0.eyJ0aWQiOiJ0LTEifQ.SECRET-ACCESS-0123"
    private val idToken = "SECRET-ID-TOKEN-4567"
    private val refresh = "SECRET-REFRESH-89ab"
    private val body = """{"msalAuthenticationResult":{"authenticationResult":{"accessToken":"$access",
        "idToken":"$idToken","refreshToken":"$refresh","expiresOn":1742985175},"tenantId":"t-1"},
        "organization":"Acme"}""".toByteArray()

    private fun assertClean(text: String) {
        for (secret in listOf("SECRET", access, idToken, refresh, "client-secret-value", "password-value", "demo-password")) {
            assertFalse(text.contains(secret), "leaked $secret in: $text")
        }
    }

    @Test
    fun authenticationResult() {
        parseAuthenticationResult(body).let { auth ->
            assertClean(auth.toString())
            assertTrue(auth.toString().contains(redacted()))
            assertEquals(access, auth.accessToken.expose())
            assertEquals(idToken, auth.idToken?.expose())
            assertEquals(refresh, auth.refreshToken?.expose())
            assertEquals("t-1", auth.effectiveTenantId)
        }
        CallbackHandler().use { h ->
            h.handle("POST", "/callback", "application/json", body).use { ev ->
                assertClean(ev.toString())
                assertClean(ev.toJson())
                assertTrue(ev.toJson().contains("\"access_token\":\"[REDACTED]\""), ev.toJson())
            }
        }
    }

    @Test
    fun credentialsAndConfigs() {
        Credentials.passwordGrant("client-id", "client-secret-value", "user", "password-value").use { creds ->
            assertClean(creds.toString())
            assertTrue(creds.toString().contains("client-id"))
            val config = ClientConfig(credentials = creds, baseUrl = "https://api.example")
            assertClean(config.toString())
            Client(config).use { assertClean(it.toString()) }
        }
        Credentials.bearerToken("SECRET-bearer").use { assertClean(it.toString()) }
        MockAccount("c", "client-secret-value", "u", "password-value").use { assertClean(it.toString()) }
        assertClean(mockDemoPasswordGrant().toString())
    }

    @Test
    fun signerKeysAreNotShown() {
        val key = "0123456789abcdef0123456789abcdef".toByteArray()
        FlowSigner(key).use { s ->
            assertFalse(s.toString().contains("0123456789abcdef"), s.toString())
            assertFalse(s.toString().contains(key.joinToString()), s.toString())
        }
    }

    @Test
    fun errorsDoNotEchoSecrets() {
        val wrong = """{"msalAuthenticationResult":{"authenticationResult":{"accessToken":"$access"}},
            "companyAdmin":"SECRET-in-the-wrong-place"}""".toByteArray()
        val e = assertThrows(CttException.MalformedCallback::class.java) { parseAuthenticationResult(wrong) }
        assertClean(e.toString())
        assertClean(e.message ?: "")
        assertTrue(e.detail.message.contains("companyAdmin"))
    }

    @Test
    fun fetchedTokensAndTheMockLog() {
        MockServer.start(MockServerConfig()).use { mock ->
            Client(ClientConfig(credentials = mockDemoPasswordGrant(), baseUrl = mock.baseUrl(), useEnvProxy = false)).use { c ->
                c.fetchToken().use { token ->
                    val value = token.exposeToken()
                    assertTrue(value.isNotEmpty())
                    assertFalse(token.toString().contains(value), token.toString())
                    c.getActionItemUrl(ActionUrlRequest(ActionType.REGISTRATION, "Acme", "https://p.example/cb"))
                    for (r in mock.requests()) {
                        val text = r.toString()
                        assertFalse(text.contains(value), text)
                        assertClean(text)
                    }
                }
            }
        }
    }
}
