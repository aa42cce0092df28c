"""Stage 7c, print: make the print edition's PDF ready for a press that prints to a standard,
registered printing condition (PDF/X-4, ISO 15930-7).

Input: the PDF bytes WeasyPrint wrote for the print edition (variant ``pdf/x-4``, colours in RGB,
the condition's ICC profile embedded as the output intent, a bleed area wide enough for the
marks), a :class:`PrintSetup` (the printing condition chosen in ``data/report.toml``
``[print] condition``, its ICC profile from ``styles/icc/``, and the theme's own inks), the XMP
document id to write.
Output: the PDF bytes and the problems met (:class:`Finished`).

What it does, on every content stream (pages, forms, patterns) and resource:

* every RGB colour becomes CMYK, separated by LittleCMS (Pillow's ImageCms) from sRGB through the
  condition's profile, relative colorimetric (:class:`Separator`), so that it prints as close to
  the screen colour as the press allows and never above the condition's total area coverage (the
  profile's ink limit);
* a colour the theme gives in CMYK (``[colors_cmyk]``, from a brand guide) is used as given;
* a near-neutral colour that is not a light tint (text, captions, running heads, rules) prints on
  the black plate alone, at the black tint of the same lightness, so that small text does not
  depend on the registration of four plates; solid black text overprints (/OP, /OPM 1), so that it
  never knocks a white hairline out of a tinted background;
* shadings and transparency groups in RGB are converted the same way;
* crop and registration marks are drawn beyond the bleed in the /Separation /All colour space, so
  that they print on every plate;
* the output intent names the registered condition (``OutputConditionIdentifier`` ``FOGRA39``,
  registry ``http://www.color.org``); the BleedBox is the TrimBox plus the bleed; annotations,
  which PDF/X forbids on the page, are removed; the XMP document id is the one given (WeasyPrint
  draws a random one).

The profiles in ``styles/icc/`` were built once from the conditions' published characterisation
data with ArgyllCMS (see ``styles/icc/README.md``); the build never needs Argyll.
"""

from __future__ import annotations

import functools
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CMYK = tuple[float, float, float, float]


@dataclass(frozen=True)
class Condition:
    """A registered printing condition (the ICC's Characterization Data Registry)."""

    key: str  # the name in data/report.toml
    identifier: str  # OutputConditionIdentifier, as registered
    description: str  # OutputCondition and Info
    profile: str  # the ICC file in styles/icc/
    total_ink: float  # the total area coverage the profile separates to (3.0 = 300 %)
    registry: str = "http://www.color.org"


CONDITIONS: dict[str, Condition] = {
    "FOGRA39": Condition(
        "FOGRA39", "FOGRA39",
        "Coated FOGRA39 (ISO 12647-2:2004/Amd 1, offset, paper type 1 or 2, gloss or matte "
        "coated, 60 lines/cm)", "FOGRA39.icc", 3.0),
    "GRACoL": Condition(
        "GRACoL", "CGATS TR 006",
        "GRACoL 2006 Coated #1 (CGATS TR 006, commercial offset on grade 1 coated paper)",
        "GRACoL2006-TR006.icc", 3.2),
}
PROFILES = Path(__file__).resolve().parent.parent / "styles" / "icc"
NEUTRAL_CHROMA = 10.0  # below this chroma (C*ab)…
NEUTRAL_MAX_L = 85.0  # … and this lightness, a colour prints on the black plate alone
BLEED_MM = 3  # what the printer trims off (report.pdf.PRINT_BLEED_MM)
MARKS_MM = 6  # the slug beyond the bleed that holds the marks (report.pdf.MARKS_MM)
MM = 72 / 25.4
_XMP_DOCUMENT_ID = re.compile(rb"xmp\.did:[0-9a-f-]+")
_OVERPRINT = "/GSes20overprint"
_ALL = "/CSes20all"


@dataclass(frozen=True)
class PrintSetup:
    condition: Condition
    profile: bytes  # the ICC profile's bytes
    inks: dict[str, CMYK] = field(default_factory=dict)  # theme colour (#RRGGBB) → its CMYK

    def color_profile(self) -> Any:
        """The profile as WeasyPrint's output intent (``color_profiles={"device-cmyk": …}``)."""
        from weasyprint.css import ColorProfile

        return ColorProfile(io.BytesIO(self.profile), self.condition.profile,
                            "relative-colorimetric", (["c"], ["m"], ["y"], ["k"]))


def print_setup(condition: str = "FOGRA39", inks: dict[str, CMYK] | None = None,
                profiles: Path = PROFILES) -> PrintSetup:
    """The setup of one print edition: the condition's profile read from ``profiles``."""
    chosen = CONDITIONS[condition]
    return PrintSetup(chosen, (profiles / chosen.profile).read_bytes(), dict(inks or {}))


@dataclass
class Finished:
    data: bytes
    problems: list[str] = field(default_factory=list)


# -- colour ------------------------------------------------------------------------------------
class Separator:
    """sRGB → CMYK for one printing condition, and CMYK → Lab to check what it prints.

    LittleCMS does the colour science; the choices are the house's: relative colorimetric (an
    in-gamut colour prints as it shows, an out-of-gamut one at the nearest printable colour), the
    theme's own inks first, and near-neutral darks on the black plate alone.
    """

    def __init__(self, setup: PrintSetup) -> None:
        from PIL import ImageCms

        self.setup = setup
        press = ImageCms.ImageCmsProfile(io.BytesIO(setup.profile))
        srgb = ImageCms.createProfile("sRGB")
        lab = ImageCms.createProfile("LAB", 5000)
        intent = ImageCms.Intent.RELATIVE_COLORIMETRIC
        self._to_cmyk = ImageCms.buildTransform(srgb, press, "RGB", "CMYK", renderingIntent=intent)
        self._to_lab = ImageCms.buildTransform(srgb, lab, "RGB", "LAB", renderingIntent=intent)
        self._print_lab = ImageCms.buildTransform(press, lab, "CMYK", "LAB",
                                                  renderingIntent=intent)
        ramp = self._apply(self._print_lab, "CMYK", [(0, 0, 0, k) for k in range(256)])
        self._black = [self._lab(p)[0] for p in ramp]  # L* of each black tint, 0–255
        self.inks = {key.upper(): value for key, value in setup.inks.items()}

    @staticmethod
    def _apply(transform: Any, mode: str, pixels: list[tuple[int, ...]]) -> list[tuple[int, ...]]:
        from PIL import Image, ImageCms

        image = Image.new(mode, (len(pixels), 1))
        image.putdata(pixels)
        result = ImageCms.applyTransform(image, transform)
        assert result is not None
        out: list[tuple[int, ...]] = []
        for i in range(len(pixels)):
            pixel = result.getpixel((i, 0))
            assert isinstance(pixel, tuple)
            out.append(pixel)
        return out

    @staticmethod
    def _lab(pixel: tuple[int, ...]) -> tuple[float, float, float]:
        """Pillow's 8-bit LAB: L* scaled to 0–255, a* and b* offset by 128."""
        return pixel[0] / 2.55, pixel[1] - 128.0, pixel[2] - 128.0

    def lab_of_rgb(self, rgb: tuple[int, int, int]) -> tuple[float, float, float]:
        """The CIELAB (D50) of an sRGB colour (0–255)."""
        return self._lab(self._apply(self._to_lab, "RGB", [rgb])[0])

    def lab_of_cmyk(self, cmyk: CMYK) -> tuple[float, float, float]:
        """What a CMYK value (0–1) prints as on the condition (relative to the paper)."""
        pixel = tuple(round(v * 255) for v in cmyk)
        return self._lab(self._apply(self._print_lab, "CMYK", [pixel])[0])

    def black_for(self, lightness: float) -> float:
        """The black tint (0–1) that alone prints at ``lightness`` (L*); 1 for anything darker."""
        ramp = self._black
        if lightness <= ramp[-1]:
            return 1.0
        for k in range(1, 256):
            if ramp[k] <= lightness:  # between k - 1 and k
                share = (ramp[k - 1] - lightness) / max(ramp[k - 1] - ramp[k], 1e-9)
                return round((k - 1 + share) / 255, 4)
        return 0.0

    @functools.cache  # noqa: B019 (one separator per edition; colours repeat)
    def separate(self, rgb: tuple[int, int, int]) -> CMYK:
        """The ink for an sRGB colour (0–255)."""
        hex_ = "#{:02X}{:02X}{:02X}".format(*rgb)
        if hex_ in self.inks:
            return self.inks[hex_]
        if rgb == (255, 255, 255):
            return (0.0, 0.0, 0.0, 0.0)
        lightness, a, b = self.lab_of_rgb(rgb)
        if (a * a + b * b) ** 0.5 < NEUTRAL_CHROMA and lightness < NEUTRAL_MAX_L:
            return (0.0, 0.0, 0.0, self.black_for(lightness))
        pixel = self._apply(self._to_cmyk, "RGB", [rgb])[0]
        c, m, y, k = (round(v / 255, 4) for v in pixel)
        return (c, m, y, k)

    def separate_float(self, rgb: tuple[float, ...]) -> CMYK:
        """The ink for an sRGB colour given as 0–1 (as PDF operators give it)."""
        red, green, blue = (min(255, max(0, round(v * 255))) for v in rgb[:3])
        return self.separate((red, green, blue))


@dataclass(frozen=True)
class ColourCheck:
    """How one theme colour prints (for the tests and the README's table)."""

    name: str
    hex: str
    cmyk: CMYK
    how: str  # "profile", "theme ink" or "black only"
    delta_e: float  # ΔE00 between the screen colour and what the ink prints
    in_gamut: bool  # whether the condition can print the colour (its round trip is within 1.5)
    target_delta_e: float  # ΔE00 to what the ink is meant to print (the neutral, for black only)


GAMUT_DELTA_E = 1.5  # the round trip through the profile of a printable colour stays within this


def check_colours(setup: PrintSetup, colours: dict[str, str]) -> list[ColourCheck]:
    """For each ``name → #RRGGBB``, its ink and how close it prints to the screen colour."""
    separator = Separator(setup)
    checks = []
    for name, hex_ in colours.items():
        rgb = (int(hex_[1:3], 16), int(hex_[3:5], 16), int(hex_[5:7], 16))
        wanted = separator.lab_of_rgb(rgb)
        cmyk = separator.separate(rgb)
        printed = separator.lab_of_cmyk(cmyk)
        plain = separator._apply(separator._to_cmyk, "RGB", [rgb])[0]
        trip = separator.lab_of_cmyk(tuple(v / 255 for v in plain))  # type: ignore[arg-type]
        in_gamut = delta_e_2000(wanted, trip) <= GAMUT_DELTA_E
        if hex_.upper() in separator.inks:
            how, target = "theme ink", wanted
        elif cmyk[:3] == (0.0, 0.0, 0.0) and cmyk[3] > 0:
            how, target = "black only", (wanted[0], 0.0, 0.0)
            in_gamut = wanted[0] >= separator.lab_of_cmyk((0, 0, 0, 1))[0]
        else:
            how, target = "profile", wanted
        checks.append(ColourCheck(name, hex_.upper(), cmyk, how, delta_e_2000(wanted, printed),
                                  in_gamut, delta_e_2000(target, printed)))
    return checks


# -- the PDF -----------------------------------------------------------------------------------
def finish(data: bytes, setup: PrintSetup, *, document_id: str) -> Finished:
    """Separate, mark and label the print edition (see the module's docstring)."""
    import pikepdf

    separator = Separator(setup)
    problems: list[str] = []
    with pikepdf.open(io.BytesIO(data)) as pdf:
        converter = _Converter(pdf, separator, problems)
        for page in pdf.pages:
            converter.page(page)
            _boxes_and_marks(pdf, page)
        _output_intent(pdf, setup)
        _document_id(pdf, document_id)
        limit = setup.condition.total_ink + 0.005
        for hex_, ink in separator.inks.items():
            if sum(ink) > limit:
                problems.append(f"the theme's ink for {hex_} ({[round(v * 100) for v in ink]}) "
                                f"covers {sum(ink) * 100:.0f} %, over the {setup.condition.key} "
                                f"limit of {setup.condition.total_ink * 100:.0f} %")
        out = io.BytesIO()
        if "/ID" in pdf.trailer:  # the file identifier: a hash of what is written, nothing else
            del pdf.trailer["/ID"]
        pdf.save(out, deterministic_id=True, compress_streams=True,
                 object_stream_mode=pikepdf.ObjectStreamMode.preserve)
    return Finished(out.getvalue(), list(dict.fromkeys(problems)))


def _numbers(operands: list[Any]) -> list[float]:
    return [float(v) for v in operands]


class _Converter:
    """Converts the colours of every content stream and resource it meets, each once."""

    def __init__(self, pdf: Any, separator: Separator, problems: list[str]) -> None:
        import pikepdf

        self.pikepdf = pikepdf
        self.pdf = pdf
        self.separator = separator
        self.problems = problems
        self.done: set[tuple[int, int]] = set()
        self.overprint = pdf.make_indirect(pikepdf.Dictionary(
            Type=pikepdf.Name.ExtGState, OP=True, op=True, OPM=1))
        self.all = _separation_all(pdf)

    def _once(self, obj: Any) -> bool:
        if not obj.is_indirect:
            return True
        if obj.objgen in self.done:
            return False
        self.done.add(obj.objgen)
        return True

    def page(self, page: Any) -> None:
        pikepdf = self.pikepdf
        if "/Annots" in page.obj:
            del page.obj["/Annots"]
        resources = page.obj.get("/Resources")
        self.resources(resources)
        group = page.obj.get("/Group")
        if group is not None and group.get("/CS") == "/DeviceRGB":
            group.CS = pikepdf.Name.DeviceCMYK
        content = self.stream(page, resources)
        # The engine's page stream leaves a flipped matrix set: the marks need a clean one.
        page.obj.Contents = self.pdf.make_stream(b"q\n" + content + b"\nQ\n" + _marks(page))
        self._add_resource(page.obj.Resources, "/ColorSpace", _ALL, self.all)

    def _add_resource(self, resources: Any, kind: str, name: str, value: Any) -> None:
        pikepdf = self.pikepdf
        if kind not in resources:
            resources[kind] = pikepdf.Dictionary()
        resources[kind][name] = value

    def resources(self, resources: Any) -> None:
        """Forms, patterns and shadings a content stream may use, converted before it is."""
        if resources is None or not self._once(resources):
            return
        pikepdf = self.pikepdf
        for xobject in resources.get("/XObject", {}).values():
            if xobject.get("/Subtype") == "/Form" and self._once(xobject):
                group = xobject.get("/Group")
                if group is not None and group.get("/CS") == "/DeviceRGB":
                    group.CS = pikepdf.Name.DeviceCMYK
                inner = xobject.get("/Resources")
                self.resources(inner)
                xobject.write(self.stream(xobject, inner))
            elif xobject.get("/Subtype") == "/Image" and \
                    xobject.get("/ColorSpace") == "/DeviceRGB":
                self.problems.append("an RGB raster image is printed unconverted")
        for pattern in resources.get("/Pattern", {}).values():
            if not self._once(pattern):
                continue
            if pattern.get("/PatternType") == 1:
                inner = pattern.get("/Resources")
                self.resources(inner)
                pattern.write(self.stream(pattern, inner))
            elif "/Shading" in pattern:
                self.shading(pattern.Shading)
        for shading in resources.get("/Shading", {}).values():
            self.shading(shading)
        for smask_state in resources.get("/ExtGState", {}).values():
            smask = smask_state.get("/SMask") if isinstance(smask_state, pikepdf.Dictionary) \
                else None
            if isinstance(smask, pikepdf.Dictionary) and "/G" in smask:
                group = smask.G
                if group.get("/Group", {}).get("/CS") == "/DeviceRGB":
                    group.Group.CS = pikepdf.Name.DeviceCMYK
                if self._once(group):
                    self.resources(group.get("/Resources"))
                    group.write(self.stream(group, group.get("/Resources")))

    def shading(self, shading: Any) -> None:
        if not self._once(shading) or not self._rgb_shading(shading):
            return
        shading.ColorSpace = self.pikepdf.Name.DeviceCMYK
        if "/Background" in shading:
            shading.Background = self.pikepdf.Array(
                self.separator.separate_float(tuple(_numbers(list(shading.Background)))))
        self.function(shading.Function)

    def _rgb_shading(self, shading: Any) -> bool:
        """Whether a shading's colours are RGB: in /DeviceRGB or an RGB ICC space, or (what the
        engine writes for the print variant) in the output intent's CMYK space but with
        three-component colours."""
        pikepdf = self.pikepdf
        space = shading.get("/ColorSpace")
        if space == "/DeviceRGB":
            return True
        if isinstance(space, pikepdf.Array) and len(space) == 2 and space[0] == "/ICCBased":
            if int(space[1].get("/N", 0)) == 3:
                return True
            function = shading.get("/Function")
            while isinstance(function, pikepdf.Dictionary) and "/Functions" in function:
                function = function.Functions[0]
            return isinstance(function, pikepdf.Dictionary) and \
                len(function.get("/C0", [0, 0, 0, 0])) == 3
        return False

    def function(self, function: Any) -> None:
        pikepdf = self.pikepdf
        if isinstance(function, pikepdf.Array):
            for part in function:
                self.function(part)
            return
        if not self._once(function):
            return
        kind = int(function.get("/FunctionType", -1))
        if kind == 2:
            for key in ("/C0", "/C1"):
                rgb = _numbers(list(function.get(key, [0, 0, 0] if key == "/C0" else [1, 1, 1])))
                function[key] = pikepdf.Array(self.separator.separate_float(tuple(rgb)))
        elif kind == 3:
            for part in function.Functions:
                self.function(part)
        else:
            self.problems.append(f"a shading function of type {kind} stays in RGB")

    def stream(self, owner: Any, resources: Any) -> bytes:
        """One content stream with its colours in CMYK and its solid black text overprinting."""
        pikepdf = self.pikepdf
        spaces = resources.get("/ColorSpace", {}) if resources is not None else {}
        out: list[Any] = []
        fill_rgb = stroke_rgb = False  # whether the current space is RGB
        stack: list[tuple[bool, bool, Any]] = []
        fill: Any = (0.0, 0.0, 0.0, 1.0)  # the current fill (CMYK), for black text
        text_start: int | None = None
        black_text = mixed_text = overprinted = False

        def instruction(operands: list[Any], operator: str) -> Any:
            return pikepdf.ContentStreamInstruction(operands, pikepdf.Operator(operator))

        def is_rgb(name: Any) -> bool:
            if str(name) == "/DeviceRGB":
                return True
            space = spaces.get(str(name))
            return isinstance(space, pikepdf.Array) and len(space) == 2 and \
                space[0] == "/ICCBased" and int(space[1].get("/N", 0)) == 3

        for item in pikepdf.parse_content_stream(owner):
            if isinstance(item, pikepdf.ContentStreamInlineImage):
                out.append(item)
                continue
            operands, op = list(item.operands), str(item.operator)
            if op in ("rg", "RG") or (op in ("sc", "scn") and fill_rgb and len(operands) == 3) \
                    or (op in ("SC", "SCN") and stroke_rgb and len(operands) == 3):
                cmyk = self.separator.separate_float(tuple(_numbers(operands)))
                stroking = op in ("RG", "SC", "SCN")
                out.append(instruction(list(cmyk), "K" if stroking else "k"))
                if not stroking:
                    fill = cmyk
                    fill_rgb = False
                else:
                    stroke_rgb = False
                continue
            if op in ("g", "G"):
                cmyk = self.separator.separate_float(tuple(_numbers(operands) * 3))
                out.append(instruction(list(cmyk), "K" if op == "G" else "k"))
                if op == "g":
                    fill = cmyk
                continue
            if op in ("cs", "CS"):
                rgb = is_rgb(operands[0])
                if op == "cs":
                    fill_rgb = rgb
                    fill = None
                else:
                    stroke_rgb = rgb
                if rgb:
                    continue  # the colour that follows is written as k / K
            elif op == "k":
                fill = tuple(_numbers(operands))
            elif op in ("sc", "scn"):
                fill = None  # a pattern or another space: not solid black
            elif op == "q":
                stack.append((fill_rgb, stroke_rgb, fill))
            elif op == "Q" and stack:
                fill_rgb, stroke_rgb, fill = stack.pop()
            elif op == "BT":
                text_start, black_text, mixed_text = len(out), False, False
            elif op in ("Tj", "TJ", "'", '"') and text_start is not None:
                if fill is not None and tuple(fill) == (0.0, 0.0, 0.0, 1.0):
                    black_text = True
                else:
                    mixed_text = True
            elif op == "ET" and text_start is not None:
                out.append(item)
                if black_text and not mixed_text:
                    out.insert(text_start, instruction([pikepdf.Name(_OVERPRINT)], "gs"))
                    out.insert(text_start, instruction([], "q"))
                    out.append(instruction([], "Q"))
                    overprinted = True
                text_start = None
                continue
            out.append(item)
        if overprinted:  # the stream names the overprint state: its resources must hold it
            holder = owner.obj if isinstance(owner, pikepdf.Page) else owner
            if "/Resources" not in holder:
                holder.Resources = pikepdf.Dictionary()
            self._add_resource(holder.Resources, "/ExtGState", _OVERPRINT, self.overprint)
        return pikepdf.unparse_content_stream(out)


def _separation_all(pdf: Any) -> Any:
    """``[/Separation /All /DeviceCMYK f]``: a colour on every plate (marks)."""
    import pikepdf

    function = pikepdf.Dictionary(FunctionType=2, Domain=[0, 1], C0=[0, 0, 0, 0],
                                  C1=[1, 1, 1, 1], N=1)
    return pdf.make_indirect(pikepdf.Array([pikepdf.Name.Separation, pikepdf.Name.All,
                                            pikepdf.Name.DeviceCMYK, function]))


def _marks(page: Any) -> bytes:
    """Crop marks at the corners and registration targets at the middle of each edge, beyond the
    bleed, in /Separation /All."""
    x0, y0, x1, y1 = (float(v) for v in page.obj.TrimBox)
    bleed, slug = BLEED_MM * MM, MARKS_MM * MM
    start, end = bleed + 0.5 * MM, bleed + slug - 0.5 * MM  # from the trim edge, outwards
    ops = [f"q {_ALL} CS 1 SCN 0.25 w 0 J"]
    for x, dx in ((x0, -1), (x1, 1)):
        for y, dy in ((y0, -1), (y1, 1)):
            ops.append(f"{x + dx * start:.3f} {y:.3f} m {x + dx * end:.3f} {y:.3f} l S")
            ops.append(f"{x:.3f} {y + dy * start:.3f} m {x:.3f} {y + dy * end:.3f} l S")
    centre = bleed + slug / 2
    radius, arm = 1.6 * MM, 2.6 * MM
    midx, midy = (x0 + x1) / 2, (y0 + y1) / 2
    for cx, cy in ((midx, y0 - centre), (midx, y1 + centre), (x0 - centre, midy),
                   (x1 + centre, midy)):
        ops.append(f"{cx - arm:.3f} {cy:.3f} m {cx + arm:.3f} {cy:.3f} l S")
        ops.append(f"{cx:.3f} {cy - arm:.3f} m {cx:.3f} {cy + arm:.3f} l S")
        k = 0.5523 * radius  # a circle from four Bézier curves
        ops.append(f"{cx + radius:.3f} {cy:.3f} m "
                   f"{cx + radius:.3f} {cy + k:.3f} {cx + k:.3f} {cy + radius:.3f} "
                   f"{cx:.3f} {cy + radius:.3f} c "
                   f"{cx - k:.3f} {cy + radius:.3f} {cx - radius:.3f} {cy + k:.3f} "
                   f"{cx - radius:.3f} {cy:.3f} c "
                   f"{cx - radius:.3f} {cy - k:.3f} {cx - k:.3f} {cy - radius:.3f} "
                   f"{cx:.3f} {cy - radius:.3f} c "
                   f"{cx + k:.3f} {cy - radius:.3f} {cx + radius:.3f} {cy - k:.3f} "
                   f"{cx + radius:.3f} {cy:.3f} c S")
    ops.append("Q")
    return "\n".join(ops).encode("ascii") + b"\n"


def _boxes_and_marks(pdf: Any, page: Any) -> None:
    """BleedBox = TrimBox + the bleed (the engine's bleed area is wider: it holds the marks)."""
    import pikepdf

    x0, y0, x1, y1 = (float(v) for v in page.obj.TrimBox)
    bleed = BLEED_MM * MM
    page.obj.BleedBox = pikepdf.Array([x0 - bleed, y0 - bleed, x1 + bleed, y1 + bleed])


def _output_intent(pdf: Any, setup: PrintSetup) -> None:
    """The registered condition's names, and its profile as committed (the engine embeds the
    profile as LittleCMS re-serialises it: the same tables, 1.5 to 1.8 times the bytes)."""
    import pikepdf

    condition = setup.condition
    for intent in pdf.Root.get("/OutputIntents", []):
        intent.DestOutputProfile.write(setup.profile)
        intent.OutputConditionIdentifier = pikepdf.String(condition.identifier)
        intent.OutputCondition = pikepdf.String(condition.description)
        intent.Info = pikepdf.String(condition.description)
        intent.RegistryName = pikepdf.String(condition.registry)


def _document_id(pdf: Any, document_id: str) -> None:
    xmp = pdf.Root.get("/Metadata")
    if xmp is None:
        return
    data = xmp.read_bytes()
    changed = _XMP_DOCUMENT_ID.sub(b"uuid:" + document_id.encode(), data)
    if changed != data:
        xmp.write(changed)


def delta_e_2000(lab1: tuple[float, float, float], lab2: tuple[float, float, float]) -> float:
    """CIEDE2000 colour difference (Sharma, Wu and Dalal, 2005), k_L = k_C = k_H = 1."""
    import math

    l1, a1, b1 = lab1
    l2, a2, b2 = lab2
    c_bar = (math.hypot(a1, b1) + math.hypot(a2, b2)) / 2
    g = 0.5 * (1 - math.sqrt(c_bar ** 7 / (c_bar ** 7 + 25 ** 7)))
    a1p, a2p = a1 * (1 + g), a2 * (1 + g)
    c1p, c2p = math.hypot(a1p, b1), math.hypot(a2p, b2)
    h1p = math.degrees(math.atan2(b1, a1p)) % 360 if c1p else 0.0
    h2p = math.degrees(math.atan2(b2, a2p)) % 360 if c2p else 0.0
    dlp, dcp = l2 - l1, c2p - c1p
    if c1p * c2p == 0:
        dhp = 0.0
    elif abs(h2p - h1p) <= 180:
        dhp = h2p - h1p
    else:
        dhp = h2p - h1p - 360 if h2p > h1p else h2p - h1p + 360
    dhp_big = 2 * math.sqrt(c1p * c2p) * math.sin(math.radians(dhp / 2))
    lp_bar, cp_bar = (l1 + l2) / 2, (c1p + c2p) / 2
    if c1p * c2p == 0:
        hp_bar = h1p + h2p
    elif abs(h1p - h2p) <= 180:
        hp_bar = (h1p + h2p) / 2
    else:
        hp_bar = (h1p + h2p + 360) / 2 if h1p + h2p < 360 else (h1p + h2p - 360) / 2
    t = (1 - 0.17 * math.cos(math.radians(hp_bar - 30)) + 0.24 * math.cos(math.radians(2 * hp_bar))
         + 0.32 * math.cos(math.radians(3 * hp_bar + 6))
         - 0.20 * math.cos(math.radians(4 * hp_bar - 63)))
    dtheta = 30 * math.exp(-(((hp_bar - 275) / 25) ** 2))
    rc = 2 * math.sqrt(cp_bar ** 7 / (cp_bar ** 7 + 25 ** 7))
    sl = 1 + 0.015 * (lp_bar - 50) ** 2 / math.sqrt(20 + (lp_bar - 50) ** 2)
    sc = 1 + 0.045 * cp_bar
    sh = 1 + 0.015 * cp_bar * t
    rt = -math.sin(math.radians(2 * dtheta)) * rc
    return math.sqrt((dlp / sl) ** 2 + (dcp / sc) ** 2 + (dhp_big / sh) ** 2
                     + rt * (dcp / sc) * (dhp_big / sh))
