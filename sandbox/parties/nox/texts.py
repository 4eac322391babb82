"""The Authenticator UI's visible text, per language (nl, en, fr, es)."""

from __future__ import annotations

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "brand_heading_hp": "Which brand is your heat pump?",
        "brand_heading_pv": "Which brand is your solar inverter?",
        "brand_intro": "Choose the manufacturer, then sign in with your account there to link your device to {supplier}.",
        "supplier_heading": "Choose your energy supplier",
        "supplier_intro": "Link your {brand} account to your energy supplier, so that it can steer your device.",
        "unavailable_heading": "{supplier} cannot be linked here",
        "unavailable_text": "{supplier} has no sign-in page in the sandbox. Go back and choose another energy supplier.",
        "back": "Back to the energy suppliers",
        "error_heading": "This link cannot be used",
        "invalid": "This link is not valid. Start again from your app.",
        "expired": "This link has expired. Start again from your app to get a new one.",
        "completed": "This link has already been used. Start again from your app to link another device.",
        "not_found": "There is no such page.",
        "method": "This page cannot be used that way.",
    },
    "nl": {
        "brand_heading_hp": "Welk merk is je warmtepomp?",
        "brand_heading_pv": "Welk merk is je omvormer?",
        "brand_intro": "Kies de fabrikant en meld je daar aan met je account om je toestel aan {supplier} te koppelen.",
        "supplier_heading": "Kies je energieleverancier",
        "supplier_intro": "Koppel je {brand}-account aan je energieleverancier, zodat die je toestel kan sturen.",
        "unavailable_heading": "{supplier} kan hier niet gekoppeld worden",
        "unavailable_text": "{supplier} heeft geen aanmeldpagina in de sandbox. Ga terug en kies een andere energieleverancier.",
        "back": "Terug naar de energieleveranciers",
        "error_heading": "Deze link kan niet gebruikt worden",
        "invalid": "Deze link is niet geldig. Begin opnieuw vanuit je app.",
        "expired": "Deze link is verlopen. Begin opnieuw vanuit je app voor een nieuwe link.",
        "completed": "Deze link is al gebruikt. Begin opnieuw vanuit je app om een ander toestel te koppelen.",
        "not_found": "Deze pagina bestaat niet.",
        "method": "Deze pagina kan zo niet gebruikt worden.",
    },
    "fr": {
        "brand_heading_hp": "De quelle marque est votre pompe à chaleur ?",
        "brand_heading_pv": "De quelle marque est votre onduleur solaire ?",
        "brand_intro": "Choisissez le fabricant, puis connectez-vous avec votre compte pour lier votre appareil à {supplier}.",
        "supplier_heading": "Choisissez votre fournisseur d'énergie",
        "supplier_intro": "Liez votre compte {brand} à votre fournisseur d'énergie pour qu'il pilote votre appareil.",
        "unavailable_heading": "{supplier} ne peut pas être lié ici",
        "unavailable_text": "{supplier} n'a pas de page de connexion dans le bac à sable. "
                            "Revenez en arrière et choisissez un autre fournisseur d'énergie.",
        "back": "Retour aux fournisseurs d'énergie",
        "error_heading": "Ce lien ne peut pas être utilisé",
        "invalid": "Ce lien n'est pas valide. Recommencez depuis votre application.",
        "expired": "Ce lien a expiré. Recommencez depuis votre application pour en obtenir un nouveau.",
        "completed": "Ce lien a déjà été utilisé. Recommencez depuis votre application pour lier un autre appareil.",
        "not_found": "Cette page n'existe pas.",
        "method": "Cette page ne peut pas être utilisée ainsi.",
    },
    "es": {
        "brand_heading_hp": "¿De qué marca es tu bomba de calor?",
        "brand_heading_pv": "¿De qué marca es tu inversor solar?",
        "brand_intro": "Elige el fabricante e inicia sesión con tu cuenta para vincular tu dispositivo a {supplier}.",
        "supplier_heading": "Elige tu proveedor de energía",
        "supplier_intro": "Vincula tu cuenta de {brand} a tu proveedor de energía para que pueda controlar tu dispositivo.",
        "unavailable_heading": "{supplier} no se puede vincular aquí",
        "unavailable_text": "{supplier} no tiene página de inicio de sesión en el sandbox. "
                            "Vuelve atrás y elige otro proveedor de energía.",
        "back": "Volver a los proveedores de energía",
        "error_heading": "Este enlace no se puede usar",
        "invalid": "Este enlace no es válido. Vuelve a empezar desde tu app.",
        "expired": "Este enlace ha caducado. Vuelve a empezar desde tu app para obtener uno nuevo.",
        "completed": "Este enlace ya se ha usado. Vuelve a empezar desde tu app para vincular otro dispositivo.",
        "not_found": "Esta página no existe.",
        "method": "Esta página no se puede usar así.",
    },
}
ERROR_STATUS = {"invalid": 404, "expired": 410, "completed": 409}


def texts(lang: str) -> dict[str, str]:
    return TEXT[lang] if lang in TEXT else TEXT["en"]
