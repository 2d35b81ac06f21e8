// The Veldwerk Android project: the Compose app and its Android-free view-models.
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}
dependencyResolutionManagement {
    repositories {
        google()
        mavenCentral()
    }
}
rootProject.name = "veldwerk-android"
include(":viewmodels", ":app")
