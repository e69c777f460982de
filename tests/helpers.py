"""Small assertions shared by the view tests."""

LOGIN = "/accounts/login/"


def expect_status(response, expected: str) -> None:
    """`expected`: "login" (sent to sign in), "ok" (200), "redirect" (elsewhere), or a code."""
    if expected == "login":
        assert response.status_code == 302, response.status_code
        assert response["Location"].startswith(LOGIN)
    elif expected == "ok":
        assert response.status_code == 200, response.status_code
    elif expected == "redirect":
        assert response.status_code == 302, response.status_code
        assert not response["Location"].startswith(LOGIN)
    else:
        assert response.status_code == int(expected), response.status_code
