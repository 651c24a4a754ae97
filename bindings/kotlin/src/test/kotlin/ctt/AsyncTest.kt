package ctt

import java.time.Duration
import kotlinx.coroutines.TimeoutCancellationException
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/** The `suspend` face: client, mock and listener from coroutines. */
class AsyncTest {
    @Test
    fun suspendFlowWithConcurrentRequests() = runBlocking {
        startMockServerAsync(MockServerConfig()).use { mock ->
            Listener.start(ListenerConfig()).use { listener ->
                Client(ClientConfig(credentials = mockDemoPasswordGrant(), baseUrl = mock.baseUrl(), useEnvProxy = false)).use { client ->
                    // Nine requests at once, one per action type.
                    val urls = allActionTypes().map { t ->
                        async { t to client.getActionItemUrlAsync(ActionUrlRequest(t, "Acme", listener.callbackUrl())) }
                    }.awaitAll()
                    assertEquals(9, urls.size)
                    urls.forEach { (_, u) -> assertTrue(u.consent.isAuthorize) }

                    val (type, url) = urls.first { it.first == ActionType.USER_SYNC_CONSENT }
                    val delivery = mock.consentAsync(url.url, Decision.APPROVE)
                    assertEquals(type, delivery.actionType)
                    val event = listener.nextEventAsync(Duration.ofSeconds(20))
                    assertNotNull(event)
                    event!!.use { assertEquals(EventKind.CONSENT_SUCCEEDED, it.kind()) }

                    val token = client.fetchTokenAsync()
                    token.use { assertTrue(it.exposeToken().isNotEmpty()) }

                    val batch = client.getActionItemUrlsAsync(
                        listOf(ActionUrlRequest(ActionType.CDR_CONSENT, "Acme", listener.callbackUrl())), 4u)
                    assertNotNull(batch.single().url)
                }
            }
        }
    }

    @Test
    fun suspendErrorsAreTyped() = runBlocking {
        startMockServerAsync(MockServerConfig()).use { mock ->
            mock.pushFault(MockEndpoint.ACTION_URL, MockFault.RateLimited(7uL))
            val config = ClientConfig(
                credentials = mockDemoBearerToken(), baseUrl = mock.baseUrl(), retry = noRetryPolicy(), useEnvProxy = false)
            Client(config).use { client ->
                val e = assertThrows(CttException.RateLimited::class.java) {
                    runBlocking { client.getActionItemUrlAsync(ActionUrlRequest(ActionType.CDR_CONSENT, "Acme", "https://p.example/cb")) }
                }
                assertEquals(Duration.ofSeconds(7), e.detail.retryAfter)
            }
        }
    }

    @Test
    fun cancellationLeavesTheClientUsable() = runBlocking {
        startMockServerAsync(MockServerConfig()).use { mock ->
            mock.pushFault(MockEndpoint.ACTION_URL, MockFault.Delay(Duration.ofSeconds(3)))
            Client(ClientConfig(credentials = mockDemoBearerToken(), baseUrl = mock.baseUrl(), useEnvProxy = false)).use { client ->
                val request = ActionUrlRequest(ActionType.CDR_CONSENT, "Acme", "https://p.example/cb")
                assertThrows(TimeoutCancellationException::class.java) {
                    runBlocking { withTimeout(300) { client.getActionItemUrlAsync(request) } }
                }
                // The fault was consumed by the cancelled call; the next one answers.
                assertTrue(client.getActionItemUrlAsync(request).consent.isAuthorize)
            }
        }
    }
}
