"""The visible text of the supplier OAuth page and its terms page, per language.

The page follows ``language`` (nl, en, fr, es; ``nl`` when absent, NOX's default),
except the two field labels, which interfaces.md fixes as "Email" and "Password".
"""

from __future__ import annotations

from sandbox.seed import LANGUAGES

OAUTH_TEXT: dict[str, dict[str, str]] = {
    "en": {
        "title": "Sign in to link your device",
        "intro": "NOX Energy asks to link your device to your {supplier} account. "
                 "Sign in with your {supplier} account to continue.",
        "accept": "I accept the terms and conditions of {supplier}",
        "terms": "Read the terms and conditions",
        "submit": "Sign in and link",
        "bad_credentials": "The email address or password is not correct.",
        "terms_required": "Please accept the terms and conditions to link your account.",
        "no_state": "This page was opened without a linking session. "
                    "Please start again from your manufacturer's app.",
        "expired": "This linking session has expired or is no longer valid. "
                   "Please start again from your manufacturer's app.",
        "unavailable": "We could not complete the link right now. Please try again in a few minutes.",
        "terms_title": "Terms and conditions",
        "terms_body": "By linking your device, you allow {supplier} to read its data through "
                      "NOX Energy and to steer it within the comfort limits you set.",
    },
    "nl": {
        "title": "Log in om je toestel te koppelen",
        "intro": "NOX Energy vraagt om je toestel te koppelen aan je {supplier}-account. "
                 "Log in met je {supplier}-account om verder te gaan.",
        "accept": "Ik aanvaard de algemene voorwaarden van {supplier}",
        "terms": "Lees de algemene voorwaarden",
        "submit": "Inloggen en koppelen",
        "bad_credentials": "Het e-mailadres of wachtwoord is niet juist.",
        "terms_required": "Aanvaard de algemene voorwaarden om je account te koppelen.",
        "no_state": "Deze pagina werd geopend zonder koppelsessie. "
                    "Begin opnieuw vanuit de app van je fabrikant.",
        "expired": "Deze koppelsessie is verlopen of niet langer geldig. "
                   "Begin opnieuw vanuit de app van je fabrikant.",
        "unavailable": "We konden de koppeling nu niet voltooien. Probeer het over enkele minuten opnieuw.",
        "terms_title": "Algemene voorwaarden",
        "terms_body": "Door je toestel te koppelen, mag {supplier} de gegevens ervan via NOX Energy "
                      "lezen en het binnen je comfortgrenzen sturen.",
    },
    "fr": {
        "title": "Connectez-vous pour lier votre appareil",
        "intro": "NOX Energy demande à lier votre appareil à votre compte {supplier}. "
                 "Connectez-vous avec votre compte {supplier} pour continuer.",
        "accept": "J'accepte les conditions générales de {supplier}",
        "terms": "Lire les conditions générales",
        "submit": "Se connecter et lier",
        "bad_credentials": "L'adresse e-mail ou le mot de passe est incorrect.",
        "terms_required": "Veuillez accepter les conditions générales pour lier votre compte.",
        "no_state": "Cette page a été ouverte sans session de liaison. "
                    "Recommencez depuis l'application de votre fabricant.",
        "expired": "Cette session de liaison a expiré ou n'est plus valable. "
                   "Recommencez depuis l'application de votre fabricant.",
        "unavailable": "Nous n'avons pas pu terminer la liaison. Réessayez dans quelques minutes.",
        "terms_title": "Conditions générales",
        "terms_body": "En liant votre appareil, vous autorisez {supplier} à lire ses données via "
                      "NOX Energy et à le piloter dans vos limites de confort.",
    },
    "es": {
        "title": "Inicia sesión para vincular tu dispositivo",
        "intro": "NOX Energy solicita vincular tu dispositivo a tu cuenta de {supplier}. "
                 "Inicia sesión con tu cuenta de {supplier} para continuar.",
        "accept": "Acepto los términos y condiciones de {supplier}",
        "terms": "Leer los términos y condiciones",
        "submit": "Iniciar sesión y vincular",
        "bad_credentials": "El correo electrónico o la contraseña no son correctos.",
        "terms_required": "Acepta los términos y condiciones para vincular tu cuenta.",
        "no_state": "Esta página se abrió sin una sesión de vinculación. "
                    "Vuelve a empezar desde la app de tu fabricante.",
        "expired": "Esta sesión de vinculación ha caducado o ya no es válida. "
                   "Vuelve a empezar desde la app de tu fabricante.",
        "unavailable": "No hemos podido completar la vinculación. Inténtalo de nuevo en unos minutos.",
        "terms_title": "Términos y condiciones",
        "terms_body": "Al vincular tu dispositivo, permites que {supplier} lea sus datos a través de "
                      "NOX Energy y lo controle dentro de tus límites de confort.",
    },
}
DEFAULT_OAUTH_LANGUAGE = "nl"



def oauth_language(value: str | None) -> str:
    return value if value in LANGUAGES else DEFAULT_OAUTH_LANGUAGE


def oauth_texts(lang: str, supplier: str) -> dict[str, str]:
    """The texts of ``lang`` with the supplier's name filled in."""
    return {key: value.format(supplier=supplier) for key, value in OAUTH_TEXT[lang].items()}
