package ctt

import java.net.ConnectException
import java.net.Socket
import java.time.Duration
import java.time.Instant
import java.util.concurrent.LinkedBlockingQueue
import java.util.concurrent.TimeUnit
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

class ApiTest {
    @Test
    fun actionTypeMetadata() {
        val all = allActionTypes()
        assertEquals(9, all.size)
        all.forEachIndexed { i, t ->
            assertEquals(i, t.code().toInt())
            assertEquals(t, actionTypeFromWire(t.wireName()))
            assertEquals(t, actionTypeFromCode(t.code()))
            assertTrue(t.description().isNotEmpty())
        }
        assertNull(actionTypeFromCode(9u))
        assertEquals(Requirement.FLOW_STEP, ActionType.REGISTRATION.requirement())
        assertEquals(CallbackStyle.QUERY_REDIRECT, ActionType.CDR_CONSENT.callbackStyle())
        assertEquals(listOf(Service.CALL_RECORDING_ADDON), ActionType.CALL_RECORDING_CONSENT.services())
        assertEquals(Service.PBX_CONNECTOR, serviceFromName("PBX"))
        assertEquals("PBX Connector", Service.PBX_CONNECTOR.displayName())
        assertTrue(version().isNotEmpty())
    }

    @Test
    fun planAndProgress() {
        ConsentPlan.forServices(listOf(Service.SMS_CONNECTOR)).use { plan ->
            assertEquals(ActionType.REGISTRATION, plan.steps().first().actionType)
            ConsentProgress(plan).use { p ->
                assertFalse(p.recordSuccess(ActionType.CALL_RECORDING_CONSENT))
                assertEquals(ActionType.REGISTRATION, p.next())
                p.recordSuccess(ActionType.REGISTRATION)
                p.recordFailure(ActionType.USER_SYNC_CONSENT, "denied")
                assertEquals(StepStatus.Failed("denied"), p.statusOf(ActionType.USER_SYNC_CONSENT))
                assertEquals(listOf(FailedStep(ActionType.USER_SYNC_CONSENT, "denied")), p.failed())
                assertFalse(p.isComplete())
                p.recordSuccess(ActionType.USER_SYNC_CONSENT)
                assertTrue(p.isComplete())
                assertEquals(listOf(ActionType.REGISTRATION, ActionType.USER_SYNC_CONSENT), p.done())
            }
        }
    }

    @Test
    fun parsersAndInspection() {
        val r = parseConsentRedirect("https://a/cb?flow=1?success=ok#frag")
        assertEquals("ok", r.outcome.message())
        assertEquals(listOf(QueryParam("success", "Terms & Conditions")), parseQueryLenient("success=Terms & Conditions"))
        val u = inspectConsentUrl("https://login.microsoftonline.com/common/oauth2/v2.0/authorize?client_id=abc&scope=openid User.Read")
        assertEquals(listOf("openid", "User.Read"), u.scopes)
        assertEquals(Duration.ofSeconds(7), parseRetryAfter("7"))
        assertNull(decodeClaims("not-a-jwt"))
        val e = deriveExpiry(3599L, null, Instant.ofEpochSecond(1_700_000_000))
        assertEquals(ExpirySource.DURATION_SECONDS, e.source)
        assertEquals(1_700_003_599L, e.expiresAtUnix)
        assertEquals(MockFault.Status(503u, ""), parseMockFault("status:503"))
    }

    @Test
    fun stateTokens() {
        FlowSigner(ByteArray(32) { 1 }).use { old ->
            val token = old.issue(ActionType.CDR_CONSENT, "Acme")
            FlowSigner(ByteArray(32) { 2 }).use { fresh ->
                assertEquals(Rejection.UNKNOWN_KEY,
                    assertThrows(CttException.StateRejected::class.java) { fresh.verify(token) }.detail.rejection)
                fresh.withPreviousKey(ByteArray(32) { 1 }).use { rotated ->
                    assertEquals(ActionType.CDR_CONSENT, rotated.verify(token).actionType)
                }
            }
            old.withMemoryReplayGuard().use { guarded ->
                guarded.verify(token)
                assertEquals(Rejection.REPLAYED,
                    assertThrows(CttException.StateRejected::class.java) { guarded.verify(token) }.detail.rejection)
            }
            assertEquals(Duration.ofSeconds(60), old.withTtl(Duration.ofSeconds(60)).ttl())
        }
    }

    @Test
    fun listenerWithAKotlinSink() {
        val received = LinkedBlockingQueue<String>()
        val sink = object : CallbackEventSink {
            override fun onEvent(event: CallbackEvent) {
                event.use { received.add(it.consent()!!.outcome.message()) }
            }
        }
        Listener.startWithSink(ListenerConfig(path = "/hook"), sink).use { listener ->
            assertTrue(listener.callbackUrl().endsWith("/hook"))
            val conn = java.net.URI(listener.callbackUrl() + "?success=Done%20well").toURL().openConnection() as java.net.HttpURLConnection
            conn.instanceFollowRedirects = false
            assertEquals(200, conn.responseCode)
            conn.disconnect()
            assertEquals("Done well", received.poll(20, TimeUnit.SECONDS))
            assertEquals(1uL, listener.delivered())
            assertThrows(CttException.InvalidInput::class.java) { listener.nextEvent(Duration.ofMillis(10)) }
        }
    }

    @Test
    fun closingWithUseStopsTheServers() {
        var mockPort = 0
        var listenerPort = 0
        MockServer.start(MockServerConfig()).use { mock ->
            mockPort = mock.port().toInt()
            Listener.start(ListenerConfig()).use { listener ->
                listenerPort = listener.port().toInt()
                Socket("127.0.0.1", listenerPort).close()
            }
            Socket("127.0.0.1", mockPort).close()
        }
        for (port in listOf(mockPort, listenerPort)) {
            assertThrows(ConnectException::class.java) { Socket("127.0.0.1", port).close() }
        }
        // A closed object refuses further calls instead of touching freed memory.
        val mock = MockServer.start(MockServerConfig())
        mock.close()
        assertThrows(IllegalStateException::class.java) { mock.baseUrl() }
    }

    @Test
    fun explicitShutdownIsIdempotent() {
        MockServer.start(MockServerConfig(jsonStringAnswers = true)).use { mock ->
            Client(ClientConfig(credentials = mockDemoBearerToken(), baseUrl = mock.baseUrl(), useEnvProxy = false)).use { c ->
                assertNotNull(c.getActionItemUrl(ActionUrlRequest(ActionType.CDR_CONSENT, "Acme", "https://p.example/cb")).url)
            }
            mock.shutdown()
            mock.shutdown()
            assertThrows(CttException.InvalidInput::class.java) { mock.requests() }
        }
    }
}
