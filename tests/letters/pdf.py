"""Reading rendered letters back: their text, metadata and fonts, with pypdf."""

import io
import re

from pypdf import PdfReader


def read_pdf(data: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(data))


def pdf_text(data: bytes) -> str:
    """Return the text of every page, with runs of whitespace (line breaks too) as one space."""
    text = " ".join(page.extract_text() for page in read_pdf(data).pages)
    return re.sub(r"\s+", " ", text.replace("\u202f", " ").replace("\u00a0", " "))


def embedded_fonts(data: bytes) -> dict[str, bool]:
    """Map each font of every page to whether its file is embedded in the PDF."""
    fonts = {}
    for page in read_pdf(data).pages:
        resources = page["/Resources"].get_object()
        for font in resources.get("/Font", {}).values():
            font = font.get_object()
            descriptors = [font.get("/FontDescriptor")]
            descriptors += [child.get_object().get("/FontDescriptor") for child in font.get("/DescendantFonts", [])]
            embedded = any(
                descriptor is not None
                and any(key in descriptor.get_object() for key in ("/FontFile", "/FontFile2", "/FontFile3"))
                for descriptor in descriptors
            )
            fonts[str(font.get("/BaseFont"))] = embedded
    return fonts


def image_count(data: bytes) -> int:
    """Return how many raster images the pages draw."""
    return sum(len(page.images) for page in read_pdf(data).pages)
