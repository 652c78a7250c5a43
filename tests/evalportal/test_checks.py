"""evalportal.E001: `manage.py check` fails when WeasyPrint cannot embed a Chinese font."""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.test import SimpleTestCase

from evalportal.checks import (
    CHECK_ID,
    PDF_FONTS_TAG,
    analyse_probe,
    check_cjk_pdf_font,
    embedded_font_names,
    probe_html,
    render_probe,
)


class CjkFontCheckTests(SimpleTestCase):
    def test_check_passes_on_this_machine(self):
        self.assertEqual(check_cjk_pdf_font(), [])
        call_command("check", tags=[PDF_FONTS_TAG], verbosity=0)  # raises SystemCheckError on E001

    def test_probe_embeds_the_simplified_chinese_noto_font_without_tofu(self):
        pdf, warnings = render_probe(probe_html())

        self.assertIn("Noto-Serif-CJK-SC", embedded_font_names(pdf))
        self.assertEqual(warnings, [])
        self.assertEqual(analyse_probe(pdf, warnings), [])

    def test_analysis_reports_a_pdf_without_a_cjk_font(self):
        pdf, warnings = render_probe(probe_html(font_family="DejaVu Sans", text="Social work station"))

        problems = analyse_probe(pdf, warnings)

        self.assertEqual(len(problems), 1)
        self.assertIn("no CJK font embedded", problems[0])
        self.assertIn("DejaVu-Sans", problems[0])

    def test_analysis_reports_notdef_glyphs(self):
        # U+E000 (private use) is in no installed font: WeasyPrint draws .notdef and only logs a warning.
        pdf, warnings = render_probe(probe_html(font_family="DejaVu Sans", text="\ue000"))

        problems = analyse_probe(pdf, warnings)

        self.assertTrue(any(".notdef" in problem for problem in problems), problems)

    def test_manage_py_check_fails_with_E001_when_no_chinese_font_is_installed(self):
        fc_match = shutil.which("fc-match")
        if fc_match is None:
            self.skipTest("fontconfig tools not installed")
        latin_font = subprocess.run(
            [fc_match, "-f", "%{file}", "DejaVu Sans"], capture_output=True, text=True, check=True
        ).stdout
        if not latin_font or "cjk" in latin_font.lower():
            self.skipTest(f"no separate Latin font directory to isolate: {latin_font!r}")
        with tempfile.TemporaryDirectory() as tmp:
            # A fontconfig that sees only the Latin fonts: what a machine without fonts-noto-cjk looks like.
            conf = Path(tmp) / "fonts.conf"
            conf.write_text(
                '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd"><fontconfig>'
                f"<dir>{Path(latin_font).parent}</dir><cachedir>{tmp}/cache</cachedir></fontconfig>"
            )
            env = {**os.environ, "FONTCONFIG_FILE": str(conf), "DJANGO_SETTINGS_MODULE": "evalportal.settings.test"}
            result = subprocess.run(
                [sys.executable, "manage.py", "check", "--tag", PDF_FONTS_TAG],
                cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=60,
            )

        self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
        self.assertIn(CHECK_ID, result.stderr)
        self.assertIn("Chinese font", result.stderr)
