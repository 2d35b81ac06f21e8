// Screen logic in plain Kotlin (no Android dependencies), compiled against the generated
// uniffi bindings. scripts/mobile-tests.sh compiles and tests the same sources with plain
// kotlinc on a JVM; this build file is for the app's Gradle build.
plugins {
    id("org.jetbrains.kotlin.jvm")
}

val repoRoot = rootDir.parentFile
val generated = layout.buildDirectory.dir("generated/uniffi")

/** Builds the host library and generates the Kotlin bindings from it (library mode). */
val generateBindings by tasks.registering(Exec::class) {
    workingDir = repoRoot
    outputs.dir(generated)
    commandLine(
        "sh", "-c",
        "cargo build --release -p veldwerk-mobile && " +
            "cargo run --release -p veldwerk-mobile --bin uniffi-bindgen -- generate " +
            "--library target/release/libveldwerk_mobile.so --language kotlin --no-format " +
            "--out-dir ${generated.get().asFile}",
    )
}

kotlin {
    jvmToolchain(17)
    sourceSets["main"].kotlin.srcDir(generated)
}
tasks.named("compileKotlin") { dependsOn(generateBindings) }

dependencies {
    // The app brings the Android flavour of JNA (`net.java.dev.jna:jna:5.13.0@aar`).
    compileOnly("net.java.dev.jna:jna:5.13.0")
    testImplementation("net.java.dev.jna:jna:5.13.0")
}
