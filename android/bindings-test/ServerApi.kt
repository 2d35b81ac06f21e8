// The supervisor side of the server API (server/docs/api.md), for the JVM tests: sign in,
// switch the active code, revoke a device, list flags. Plain java.net.http; no JSON library is
// needed for the few fields read here.
package veldwerk.testsupport

import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse

class ServerApi(private val base: String) {
    private val client: HttpClient = HttpClient.newHttpClient()
    private var token: String? = null

    private fun send(method: String, path: String, json: String?): Pair<Int, String> {
        val b = HttpRequest.newBuilder(URI.create(base + path))
        b.header("content-type", "application/json")
        token?.let { b.header("authorization", "Bearer $it") }
        val body = if (json == null) HttpRequest.BodyPublishers.noBody() else HttpRequest.BodyPublishers.ofString(json)
        b.method(method, body)
        val r = client.send(b.build(), HttpResponse.BodyHandlers.ofString())
        return r.statusCode() to r.body()
    }

    /** Signs in as a supervisor; the bearer token is used for every later call. */
    fun signIn(name: String, password: String) {
        val (status, body) = send("POST", "/v1/session", """{"name":${q(name)},"password":${q(password)}}""")
        check(status == 200) { "sign-in failed: $status $body" }
        token = field(body, "token") ?: error("no token in $body")
    }

    /** Switches the active code (a new signed policy version on the server). */
    fun setCode(code: String, reason: String): Int {
        val (status, body) = send("POST", "/v1/code", """{"code":${q(code)},"reason":${q(reason)}}""")
        check(status == 200) { "code switch failed: $status $body" }
        return status
    }

    fun activeCode(): String {
        val (status, body) = send("GET", "/v1/code", null)
        check(status == 200) { "GET /v1/code failed: $status $body" }
        return field(body, "code") ?: error("no code in $body")
    }

    /** Revokes a device: its next request is refused with the wipe instruction. */
    fun revokeDevice(deviceId: String) {
        val (status, body) = send("POST", "/v1/devices/$deviceId/revoke", null)
        check(status in 200..299) { "revoke failed: $status $body" }
    }

    /** The raw JSON of every flag (resolved or not). */
    fun flagsJson(): String {
        val (status, body) = send("GET", "/v1/flags?all=true", null)
        check(status == 200) { "GET /v1/flags failed: $status $body" }
        return body
    }

    companion object {
        fun q(s: String): String =
            "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\""

        /** The first string value of `"name": "..."` in a JSON text. */
        fun field(json: String, name: String): String? =
            Regex("\"" + Regex.escape(name) + "\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"").find(json)?.groupValues?.get(1)
    }
}

/** A tiny test runner: named checks, `N passed, N failed` at the end. */
class Runner {
    var passed = 0
        private set
    var failed = 0
        private set

    fun check(name: String, block: () -> Unit) {
        try {
            block()
            passed++
            println("ok    $name")
        } catch (e: Throwable) {
            failed++
            println("FAIL  $name: ${e::class.simpleName}: ${e.message}")
        }
    }

    /** Prints the closing line and exits non-zero on any failure. */
    fun finish(): Nothing {
        println("$passed passed, $failed failed")
        kotlin.system.exitProcess(if (failed == 0) 0 else 1)
    }
}

fun expect(condition: Boolean, message: () -> String) {
    if (!condition) throw AssertionError(message())
}

inline fun <reified T : Throwable> expectThrows(block: () -> Unit): T {
    try {
        block()
    } catch (e: Throwable) {
        if (e is T) return e
        throw AssertionError("expected ${T::class.simpleName}, got ${e::class.simpleName}: ${e.message}")
    }
    throw AssertionError("expected ${T::class.simpleName}, nothing was thrown")
}

fun env(name: String): String = System.getenv(name) ?: error("environment variable $name is not set")
