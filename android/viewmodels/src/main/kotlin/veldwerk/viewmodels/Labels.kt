// Dutch labels for the stable codes the core gives (next steps, fasen, codes). Presentation
// only: which step is allowed is the core's answer.
package veldwerk.viewmodels

import uniffi.veldwerk.Actie
import uniffi.veldwerk.Code
import uniffi.veldwerk.Fase
import uniffi.veldwerk.Stapsoort

object Labels {
    fun code(c: Code): String = when (c) {
        Code.GEEL -> "Code geel"
        Code.ORANJE -> "Code oranje"
        Code.ROOD -> "Code rood"
    }

    fun actie(a: Actie): String = when (a) {
        Actie.HUISBEZOEK -> "Huisbezoek"
        Actie.HUISBEZOEK_APP -> "Huisbezoek via de app"
        Actie.WAARNEMING -> "Waarneming ter plaatse"
        Actie.GESPREK_OP_AFSTAND -> "Gesprek op afstand"
        Actie.SPREEKKAMER -> "Spreekkamer"
        Actie.MOBIELE_UNIT -> "Mobiele unit"
        Actie.ADMINISTRATIEF_ONDERZOEK -> "Administratief onderzoek"
    }

    fun stap(s: Stapsoort): String = when (s) {
        Stapsoort.AANLEIDING -> "Aanleiding vastleggen"
        Stapsoort.AANKONDIGING -> "Aankondiging"
        Stapsoort.AAN_DE_DEUR -> "Aan de deur"
        Stapsoort.NIEMAND_AANWEZIG -> "Niemand aanwezig"
        Stapsoort.NIET_IN_STAAT -> "Niet in staat"
        Stapsoort.LEGITIMATIE_EN_DOEL -> "Legitimatie en doel"
        Stapsoort.TOESTEMMING_GEVRAAGD -> "Toestemming vragen"
        Stapsoort.TOESTEMMING_GEGEVEN -> "Toestemming gegeven"
        Stapsoort.TOESTEMMING_GEWEIGERD -> "Toestemming geweigerd"
        Stapsoort.BINNENTREDEN -> "Binnentreden"
        Stapsoort.TOESTEMMING_INGETROKKEN -> "Toestemming ingetrokken"
        Stapsoort.EXTRA_TOESTEMMING -> "Aparte toestemming"
        Stapsoort.WAARNEMING -> "Waarneming"
        Stapsoort.CORRECTIE -> "Correctie"
        Stapsoort.AFSLUITING -> "Bezoek afsluiten"
        Stapsoort.RAPPORT -> "Rapport opmaken"
        Stapsoort.UITNODIGING_BESPREKING -> "Uitnodigen voor bespreking"
        Stapsoort.BEZOEK_AFGEBROKEN -> "Bezoek afbreken"
        Stapsoort.TOESTEMMINGSCONFLICT_BESLECHT -> "Toestemmingsconflict beslechten"
        Stapsoort.WAARNEMING_TER_PLAATSE_GESTART -> "Waarneming ter plaatse beginnen"
        Stapsoort.WAARNEMING_TER_PLAATSE -> "Waarneming ter plaatse"
        Stapsoort.GESPREK_GESTART -> "Gesprek beginnen"
        Stapsoort.INTERNETONDERZOEK -> "Internetonderzoek"
        Stapsoort.VRAAG_BEANTWOORD -> "Vraag beantwoorden"
        Stapsoort.VRAGENLIJST_ONDERTEKEND -> "Vragenlijst ondertekenen"
        Stapsoort.AANWIJZING_GESTUURD -> "Aanwijzing aan de klant"
    }

    fun fase(f: Fase): String = when (f) {
        Fase.NIEUW -> "Nieuw"
        Fase.AANLEIDING -> "Aanleiding vastgelegd"
        Fase.AANGEKONDIGD -> "Aankondiging vastgelegd"
        Fase.AAN_DE_DEUR -> "Aan de deur"
        Fase.GELEGITIMEERD -> "Gelegitimeerd"
        Fase.TOESTEMMING_GEVRAAGD -> "Toestemming gevraagd"
        Fase.TOESTEMMING_GEGEVEN -> "Toestemming gegeven"
        Fase.BINNEN -> "Binnen"
        Fase.BEZIG -> "Bezig"
        Fase.BEEINDIGD -> "Bezoek beëindigd"
        Fase.GERAPPORTEERD -> "Rapport opgemaakt"
        Fase.UITGENODIGD -> "Uitgenodigd"
    }

    /** The worklist's next-step code (`bezoek_starten`, `aanleiding`, ...). */
    fun nextStep(code: String): String =
        Stapsoort.entries.firstOrNull { it.name.lowercase() == code }?.let { stap(it) }
            ?: when (code) {
                "bezoek_starten" -> "Bezoek starten"
                "afgerond" -> "Afgerond"
                else -> code
            }

    /** "zojuist", "12 min geleden", "3 uur geleden", "2 dagen geleden". */
    fun age(seconds: Long?): String = when {
        seconds == null -> "nooit gesynchroniseerd"
        seconds < 60 -> "zojuist gesynchroniseerd"
        seconds < 3600 -> "${seconds / 60} min geleden gesynchroniseerd"
        seconds < 86400 -> "${seconds / 3600} uur geleden gesynchroniseerd"
        else -> "${seconds / 86400} dagen geleden gesynchroniseerd"
    }
}
