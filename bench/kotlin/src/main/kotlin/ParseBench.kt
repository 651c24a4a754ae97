// Callback parsing in Kotlin: the ctt binding (parseAuthenticationResult: one call returning a record;
// then every field read from it) against org.json extracting the same fields.
//
//   java -cp ... -Djna.library.path=DIR ParseBenchKt ITERS ROUNDS FILE...
//
// Prints "parse <TAB> contender <TAB> file <TAB> round <TAB> ns-per-parse" lines.
import java.io.File
import org.json.JSONObject

@Volatile var sink: Int = 0

fun withCtt(body: ByteArray) {
    ctt.parseAuthenticationResult(body).let { r ->
        val u = r.userInfo
        val fields = listOf(
            r.accessToken.expose(), r.accessTokenType, r.expiresOnRaw, r.idToken?.expose(), r.refreshToken?.expose(),
            r.multipleResourceRefreshToken, u?.displayableId, u?.identityProvider, u?.tenantId, r.tenantId,
            r.resellerId, r.organization, r.officeUserType, r.companyAdmin, r.containsTeamsTenantAdminApi,
        )
        sink += fields.size
    }
}

fun withOrgJson(body: ByteArray) {
    val d = JSONObject(String(body, Charsets.UTF_8))
    val msal = d.optJSONObject("msalAuthenticationResult")
    val a = msal?.optJSONObject("authenticationResult")
    val token = a?.optString("accessToken", "") ?: ""
    require(token.isNotEmpty()) { "no access token" }
    val u = a?.optJSONObject("userInfo")
    fun s(o: JSONObject?, k: String): String? = if (o == null || o.isNull(k)) null else o.optString(k)
    fun b(o: JSONObject?, k: String): Boolean? = if (o == null || o.isNull(k)) null else o.optBoolean(k)
    val fields = listOf(
        token, s(a, "accessTokenType"), if (a == null || a.isNull("expiresOn")) null else a.optLong("expiresOn"),
        s(a, "idToken"), s(a, "refreshToken"), b(a, "multipleResourceRefreshToken"), s(u, "displayableId"),
        s(u, "identityProvider"), s(u, "tenantId"), s(msal, "tenantId"), s(msal, "resellerId"), s(d, "organization"),
        s(d, "officeUserType"), b(d, "companyAdmin"), b(d, "containsTeamsTenantAdminAPI"),
    )
    sink += fields.size
}

fun perOp(iters: Int, body: ByteArray, f: (ByteArray) -> Unit): Double {
    val start = System.nanoTime()
    for (i in 0 until iters) f(body)
    return (System.nanoTime() - start).toDouble() / iters
}

fun main(args: Array<String>) {
    val iters = args[0].toInt()
    val rounds = args[1].toInt()
    val files = args.drop(2).map { File(it).name to File(it).readBytes() }
    val contenders = listOf<Pair<String, (ByteArray) -> Unit>>(
        "Kotlin ctt parseAuthenticationResult (+ fields)" to ::withCtt,
        "Kotlin org.json (same fields)" to ::withOrgJson,
    )
    // The JIT needs a real warm-up.
    for ((_, body) in files) for ((_, f) in contenders) perOp(maxOf(iters, 2000), body, f)
    for (r in 0 until rounds) {
        for ((name, body) in files) {
            val order = if (r % 2 == 0) contenders else contenders.reversed()
            for ((cname, f) in order) {
                println("parse\t$cname\t$name\t$r\t${"%.1f".format(perOp(iters, body, f))}")
            }
        }
    }
    System.out.flush()
}
