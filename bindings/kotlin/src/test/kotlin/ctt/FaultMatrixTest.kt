package ctt

import java.time.Duration
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/**
 * Issue 7's fault matrix for the Kotlin layer: each fault the mock can inject on getActionItemUrl,
 * called with retries (3 attempts) and without (1 attempt) against a 3 s deadline. The expected
 * outcomes are hardening/tests/fault_matrix.rs's (Rust), hardening/c's and hardening/python's.
 * Prints `FAULT kotlin: …` lines (the table). The elapsed-time check is a no-hang bound (deadline
 * plus 2 s), not a performance assertion.
 */
class FaultMatrixTest {
    private val deadline = Duration.ofSeconds(3)
    private val hangBoundMs = deadline.toMillis() + 2_000

    private fun client(mock: MockServer, attempts: UInt) = Client(
        ClientConfig(
            credentials = mockDemoPasswordGrant(),
            baseUrl = mock.baseUrl(),
            timeout = deadline,
            retry = RetryPolicy(attempts, Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofSeconds(5)),
            useEnvProxy = false,
        ),
    )

    /** The outcome: null for success, else the error's kind and HTTP status (if any). */
    private data class Outcome(val kind: ErrorKind?, val status: Int?, val ms: Long)

    private fun call(mock: MockServer, client: Client, spec: String): Outcome {
        mock.reset()
        // The same spec strings as the other layers' tables, parsed by ctt-server.
        mock.pushFault(MockEndpoint.ACTION_URL, parseMockFault(spec))
        val request = ActionUrlRequest(ActionType.CDR_CONSENT, "Fault Corp", "https://sp.example/cb")
        val started = System.nanoTime()
        val (kind, status) = try {
            client.getActionItemUrl(request)
            null to null
        } catch (e: CttException) {
            e.kind() to e.detail().status?.toInt()
        }
        return Outcome(kind, status, (System.nanoTime() - started) / 1_000_000)
    }

    private fun show(o: Outcome, retried: Boolean): String = when {
        o.kind == null -> if (retried) "ok (retried)" else "ok"
        o.status != null -> "${o.kind.stableName()} ${o.status}"
        else -> o.kind.stableName()
    }

    private data class Case(val spec: String, val retrying: ErrorKind?, val single: ErrorKind?, val status: Int? = null)

    @Test
    fun everyFaultGivesATypedErrorOrABoundedRetry() {
        val cases = listOf(
            Case("reset", null, ErrorKind.TRANSPORT),
            Case("close", null, ErrorKind.TRANSPORT),
            Case("delay:10000", ErrorKind.TIMEOUT, ErrorKind.TIMEOUT),
            Case("rate_limit:1", null, ErrorKind.RATE_LIMITED, 429),
            Case("status:500", ErrorKind.SERVER, ErrorKind.SERVER, 500),
            Case("status:502", null, ErrorKind.SERVER, 502),
            Case("status:503", null, ErrorKind.SERVER, 503),
            Case("status:504", null, ErrorKind.SERVER, 504),
            Case("truncate", null, ErrorKind.TRANSPORT),
            Case("garbage", ErrorKind.MALFORMED_RESPONSE, ErrorKind.MALFORMED_RESPONSE),
            Case("html", ErrorKind.MALFORMED_RESPONSE, ErrorKind.MALFORMED_RESPONSE),
        )
        val unexpected = mutableListOf<String>()
        MockServer.start(MockServerConfig()).use { mock ->
            client(mock, 3u).use { retrying ->
                client(mock, 1u).use { single ->
                    retrying.fetchToken().close()
                    single.fetchToken().close()
                    println("FAULT kotlin: action_url fault | 3 attempts: outcome (ms) | 1 attempt: outcome (ms) | deadline ${deadline.toMillis()} ms")
                    for (c in cases) {
                        val a = call(mock, retrying, c.spec)
                        val b = call(mock, single, c.spec)
                        // Where an error carries a status, it is the injected one.
                        fun statusOk(o: Outcome) = o.kind == null || c.status == null || o.status == c.status
                        val ok = a.kind == c.retrying && b.kind == c.single && statusOk(a) && statusOk(b) &&
                            a.ms < hangBoundMs && b.ms < hangBoundMs
                        println(
                            "FAULT kotlin: %-13s | %-26s %5d | %-26s %5d%s".format(
                                c.spec, show(a, true), a.ms, show(b, false), b.ms, if (ok) "" else "   <-- UNEXPECTED",
                            ),
                        )
                        if (!ok) unexpected += c.spec
                    }
                }
            }
        }
        assertTrue(unexpected.isEmpty(), "unexpected outcomes for $unexpected")
    }
}
