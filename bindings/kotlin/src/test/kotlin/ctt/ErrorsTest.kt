package ctt

import java.time.Duration
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance

/** Every error kind that a Kotlin caller can provoke arrives as its own `CttException` subclass. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ErrorsTest {
    private lateinit var mock: MockServer
    private val request = ActionUrlRequest(ActionType.CDR_CONSENT, "Acme", "https://p.example/cb")

    @BeforeAll
    fun start() {
        mock = MockServer.start(MockServerConfig())
    }

    @AfterAll
    fun stop() = mock.close()

    private fun client(credentials: Credentials = mockDemoBearerToken(), timeout: Duration? = null) =
        Client(ClientConfig(credentials = credentials, baseUrl = mock.baseUrl(), timeout = timeout,
            retry = noRetryPolicy(), useEnvProxy = false))

    private inline fun <reified E : CttException> fails(fault: MockFault?, noinline call: (Client) -> Unit = { it.getActionItemUrl(request) }): E {
        if (fault != null) mock.pushFault(MockEndpoint.ACTION_URL, fault)
        return client().use { c -> assertThrows(E::class.java) { call(c) } }
    }

    @Test
    fun everyKindHasAStableName() {
        val names = allErrorKinds().map { it.stableName() }
        assertEquals(15, names.toSet().size)
        assertTrue(names.containsAll(listOf("invalid_input", "rate_limited", "state_rejected", "internal")))
    }

    @Test
    fun apiStatusesMapToKinds() {
        assertEquals(400, fails<CttException.InvalidInput>(MockFault.Status(400u, "{\"message\":\"bad\"}")).detail.status?.toInt())
        fails<CttException.Forbidden>(MockFault.Status(403u, ""))
        fails<CttException.NotFound>(MockFault.Status(404u, ""))
        val server = fails<CttException.Server>(MockFault.Status(503u, "down"))
        assertEquals(503, server.detail.status?.toInt())
        assertTrue(server.detail.retryable)
        assertEquals(ErrorKind.SERVER, server.kind())
        fails<CttException.UnexpectedStatus>(MockFault.Status(418u, ""))
        val limited = fails<CttException.RateLimited>(MockFault.RateLimited(5uL))
        assertEquals(Duration.ofSeconds(5), limited.detail.retryAfter)
        fails<CttException.MalformedResponse>(MockFault.Html200)
        fails<CttException.MalformedResponse>(MockFault.GarbageBody)
        fails<CttException.Transport>(MockFault.Reset)
    }

    @Test
    fun credentialsAndDeadlines() {
        val wrong = Credentials.passwordGrant("ctt-demo-client", "ctt-demo-secret", "admin@provider.example", "wrong")
        client(wrong).use { c -> assertThrows(CttException.Unauthorized::class.java) { c.getActionItemUrl(request) } }
        mock.pushFault(MockEndpoint.ACTION_URL, MockFault.Delay(Duration.ofSeconds(3)))
        client(timeout = Duration.ofMillis(300)).use { c ->
            assertThrows(CttException.Timeout::class.java) { c.getActionItemUrl(request) }
        }
        mock.clearFaults()
    }

    @Test
    fun localValidation() {
        client().use { c ->
            val e = assertThrows(CttException.InvalidInput::class.java) {
                c.getActionItemUrl(ActionUrlRequest(ActionType.CDR_CONSENT, "Acme", "http://public.example/cb"))
            }
            assertEquals("redirectUrl", e.detail.field)
            assertEquals(ErrorKind.INVALID_INPUT, e.kind())
        }
        val e = assertThrows(CttException.InvalidInput::class.java) {
            Client(ClientConfig(credentials = mockDemoBearerToken(), baseUrl = "not a url"))
        }
        assertEquals("baseUrl", e.detail.field)
        assertThrows(CttException.InvalidInput::class.java) { actionTypeFromWire("registration") }
        assertThrows(CttException.InvalidInput::class.java) { FlowSigner(ByteArray(31)) }
    }

    @Test
    fun callbackErrors() {
        CallbackHandler.withConfig(CallbackHandlerConfig(bodyLimit = 10uL)).use { h ->
            assertThrows(CttException.MethodNotAllowed::class.java) { h.handle("PUT", "/cb?success=x", null, ByteArray(0)) }
            assertThrows(CttException.PayloadTooLarge::class.java) { h.handle("POST", "/cb", null, ByteArray(11)) }
            assertThrows(CttException.MalformedCallback::class.java) { h.handle("GET", "/cb?nothing=1", null, ByteArray(0)) }
        }
        FlowSigner(ByteArray(32)).use { signer ->
            CallbackHandler.withConfig(CallbackHandlerConfig(signer = signer, placement = StatePlacement.PathSegment)).use { h ->
                val e = assertThrows(CttException.StateRejected::class.java) { h.handle("GET", "/?success=x", null, ByteArray(0)) }
                assertEquals(Rejection.MISSING, e.detail.rejection)
                val token = signer.issue(ActionType.CDR_CONSENT, "Acme")
                h.handle("GET", "/cb/$token?success=x", null, ByteArray(0)).use { assertEquals("Acme", it.state()!!.enterpriseName) }
                val forged = token.dropLast(2) + (if (token.endsWith("AA")) "BA" else "AA")
                val bad = assertThrows(CttException.StateRejected::class.java) { h.handle("GET", "/cb/$forged?success=x", null, ByteArray(0)) }
                assertFalse(bad.detail.rejection == Rejection.MISSING)
            }
        }
    }

    @Test
    fun toStringIsTheMessage() {
        val e = assertThrows(CttException.InvalidInput::class.java) { validateEnterpriseName("  ") }
        assertEquals("invalid_input: enterpriseName: must not be empty", e.toString())
        assertTrue(e.message!!.contains("enterpriseName"))
    }
}
