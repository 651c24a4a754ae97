package ctt

import java.time.Duration
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import org.junit.jupiter.params.ParameterizedTest
import org.junit.jupiter.params.provider.Arguments
import org.junit.jupiter.params.provider.MethodSource

/**
 * The whole flow on loopback: the client asks the embedded mock for an action URL whose
 * redirect URL is the listener's (with a signed state token), the simulated Global Admin
 * approves or denies, and the listener delivers the verified event.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EndToEndTest {
    private lateinit var mock: MockServer
    private lateinit var signer: FlowSigner
    private lateinit var listener: Listener
    private lateinit var client: Client

    @BeforeAll
    fun start() {
        mock = MockServer.start(MockServerConfig())
        signer = FlowSigner(ByteArray(32) { it.toByte() })
        CallbackHandler.withConfig(CallbackHandlerConfig(signer = signer)).use { handler ->
            listener = Listener.start(ListenerConfig(handler = handler))
        }
        client = Client(ClientConfig(credentials = mockDemoPasswordGrant(), baseUrl = mock.baseUrl(), useEnvProxy = false))
    }

    @AfterAll
    fun stop() {
        client.close()
        listener.close()
        signer.close()
        mock.close()
    }

    fun flows(): List<Arguments> =
        allActionTypes().flatMap { t -> listOf(Arguments.of(t, Decision.APPROVE), Arguments.of(t, Decision.DENY)) }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("flows")
    fun flowEndToEnd(type: ActionType, decision: Decision) {
        val request = ActionUrlRequest(type, "  Acme Corp ", listener.callbackUrl(), signer = signer)
        val url = client.getActionItemUrl(request)
        assertTrue(url.consent.isAuthorize, url.url)
        assertNotNull(url.stateToken)
        assertTrue(url.redirectUrl.startsWith(listener.callbackUrl() + "?ctt_state="), url.redirectUrl)

        val delivery = mock.consent(url.url, decision)
        assertEquals(type, delivery.actionType)
        assertEquals("Acme Corp", delivery.enterpriseName)
        assertEquals(200, delivery.status.toInt(), delivery.responseBody)

        val event = listener.nextEvent(Duration.ofSeconds(20))
        assertNotNull(event, "no event delivered")
        event!!.use { ev ->
            val state = ev.state()!!
            assertEquals(type, state.actionType)
            assertEquals("Acme Corp", state.enterpriseName)
            val jsonPost = type.callbackStyle() == CallbackStyle.JSON_POST
            when {
                decision == Decision.APPROVE && jsonPost -> {
                    assertEquals(EventKind.AUTHENTICATED, ev.kind())
                    assertEquals(DeliveryStyle.JSON_POST, delivery.style)
                    ev.authentication()!!.let { auth ->
                        assertEquals("Acme Corp", auth.organization)
                        assertEquals("GLOBAL_ADMIN", auth.officeUserType)
                        val token = auth.accessToken.expose()
                        assertTrue(token.isNotEmpty())
                        assertFalse(auth.toString().contains(token))
                        assertFalse(ev.toString().contains(token))
                        assertEquals(ExpirySource.JWT_EXP, auth.expiry.source)
                        assertEquals(auth.claims!!.tid, auth.effectiveTenantId)
                        assertFalse(auth.tenantMismatch)
                    }
                    assertNull(ev.consent())
                }
                decision == Decision.APPROVE -> {
                    assertEquals(EventKind.CONSENT_SUCCEEDED, ev.kind())
                    assertEquals(delivery.message, ev.consent()!!.outcome.message())
                    assertTrue(ev.isSuccess())
                    assertNull(ev.authentication())
                }
                else -> {
                    assertEquals(EventKind.CONSENT_FAILED, ev.kind())
                    assertFalse(ev.isSuccess())
                    assertTrue(ev.failureMessage()!!.contains("Global Admin"), ev.failureMessage())
                }
            }
            ConsentPlan.forServices(allServices()).use { plan ->
                ConsentProgress(plan).use { progress ->
                    val recorded = progress.recordEvent(ev)
                    assertEquals(plan.contains(type), recorded)
                    if (recorded) {
                        val status = progress.statusOf(type)
                        if (ev.isSuccess()) assertEquals(StepStatus.Done, status) else assertTrue(status is StepStatus.Failed)
                    }
                }
            }
        }
    }

    @Test
    fun forgedStateIsRejectedAndNotDelivered() {
        val before = listener.delivered()
        // Another signer's token: the listener refuses it and delivers nothing.
        val other = FlowSigner(ByteArray(32) { 7 })
        val request = ActionUrlRequest(ActionType.CDR_CONSENT, "Acme", listener.callbackUrl(), signer = other)
        other.use {
            val url = client.getActionItemUrl(request)
            val delivery = mock.consent(url.url, Decision.APPROVE)
            assertEquals(403, delivery.status.toInt(), delivery.responseBody)
        }
        assertNull(listener.nextEvent(Duration.ofMillis(300)))
        assertEquals(before, listener.delivered())
    }

    @Test
    fun batchKeepsOrderAndErrorsInTheirSlots() {
        val good = ActionUrlRequest(ActionType.PRESENCE_CONSENT, "Acme", listener.callbackUrl())
        val bad = ActionUrlRequest(ActionType.PRESENCE_CONSENT, "", listener.callbackUrl())
        val items = client.getActionItemUrls(listOf(good, bad, good), 2u)
        assertEquals(3, items.size)
        assertNotNull(items[0].url)
        assertEquals(ErrorKind.INVALID_INPUT, items[1].error!!.kind)
        assertEquals("enterpriseName", items[1].error!!.field)
        assertNotNull(items[2].url)
    }
}
