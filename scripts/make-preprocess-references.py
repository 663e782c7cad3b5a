#!/usr/bin/python3
"""
Makes the test images and the OpenCV reference tensors for test/image/preprocess.test.ts.

Run once with Debian's OpenCV (python3-opencv 4.6, libjpeg-turbo, libpng) and ImageMagick
and libjpeg-turbo-progs for the JPEG fixtures:

    apt-get install -y python3-opencv python3-numpy libjpeg-turbo-progs imagemagick
    /usr/bin/python3 scripts/make-preprocess-references.py

It writes into test/fixtures/images/:
  - PNG test images of several colour types, written by the small PNG writer below
    (so every byte is known): grey 8-bit, RGBA 8-bit, palette with tRNS, RGB 16-bit,
    RGB 8-bit, interlaced RGB (via ImageMagick);
  - JPEG test images: progressive (cjpeg -progressive), EXIF orientation 6 (an APP1
    segment inserted into a cjpeg file), CMYK (ImageMagick, Adobe APP14);
  - for each test image and two of the package's sample photos, `<name>.crop.npy`:
    the uint8 [224, 224, 3] RGB crop PaddleClas's pipeline produces, computed with
    PaddleClas's own steps (deploy/python/preprocess.py): cv2.imread (IMREAD_COLOR:
    EXIF orientation applied, alpha dropped, 16-bit -> 8-bit), [:, :, ::-1] to RGB,
    ResizeImage(resize_short=256) with cv2.resize INTER_LINEAR, CropImage(224);
  - normalize-table.npy: float32 [3, 256], NormalizeImage(scale=0.00392157, mean, std)
    applied by NumPy to every byte value, per channel. The normalised reference of a
    crop is table[c, crop[y, x, c]]: exactly NumPy's float32 result, stored in a quarter
    of the space;
  - resize-*.src.npy / .dst.npy: bare cv2.resize INTER_LINEAR input/output pairs;
  - whl_demo.jpg.tensor.npy and grey8.png.tensor.npy: the complete float32
    [1, 3, 224, 224] tensors (NormalizeImage + ToCHWImage), to check the table route.
"""
import os
import struct
import subprocess
import zlib

import cv2
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "test", "fixtures", "images")
DATA = os.path.join(ROOT, "data", "images")
os.makedirs(OUT, exist_ok=True)

# ---- PaddleClas's pipeline (deploy/python/preprocess.py, inference_cls.yaml) ----------

def paddleclas_crop(path):
    img = cv2.imread(path)  # IMREAD_COLOR, BGR
    assert img is not None, path
    img = img[:, :, ::-1]  # predict_cls.py: BGR -> RGB
    img_h, img_w = img.shape[:2]
    percent = float(256) / min(img_w, img_h)
    w = int(round(img_w * percent))
    h = int(round(img_h * percent))
    img = cv2.resize(img, (w, h), interpolation=cv2.INTER_LINEAR)
    img_h, img_w = img.shape[:2]
    w_start = (img_w - 224) // 2
    h_start = (img_h - 224) // 2
    return np.ascontiguousarray(img[h_start:h_start + 224, w_start:w_start + 224, :])

SCALE = np.float32(0.00392157)
MEAN = np.array([0.485, 0.456, 0.406]).reshape((1, 1, 3)).astype("float32")
STD = np.array([0.229, 0.224, 0.225]).reshape((1, 1, 3)).astype("float32")

def normalize(img):
    return (img.astype("float32") * SCALE - MEAN) / STD

def paddleclas_tensor(path):
    return normalize(paddleclas_crop(path)).transpose((2, 0, 1))[None].astype("float32")

# ---- a minimal PNG writer (filter 0 "None", or 2 "Up" on every row) -------------------

def png_chunk(kind, payload):
    body = kind + payload
    return struct.pack(">I", len(payload)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

def write_png(name, rows, width, height, depth, color_type, extra=(), up_filter=False):
    """rows: list of bytes objects, each one packed scanline (without the filter byte)."""
    if up_filter:  # filter type 2: each byte minus the byte above it, modulo 256
        previous = [bytes(len(rows[0]))] + rows[:-1]
        raw = b"".join(b"\x02" + bytes((a - b) % 256 for a, b in zip(row, above)) for row, above in zip(rows, previous))
    else:
        raw = b"".join(b"\x00" + row for row in rows)
    data = b"\x89PNG\r\n\x1a\n"
    data += png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth, color_type, 0, 0, 0))
    for kind, payload in extra:
        data += png_chunk(kind, payload)
    data += png_chunk(b"IDAT", zlib.compress(raw, 9))
    data += png_chunk(b"IEND", b"")
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)
    return os.path.join(OUT, name)

rng = np.random.default_rng(20261128)

def pattern(h, w, noise=0.03):
    """A smooth picture with sharp edges and a little noise: values 0..1, [h, w, 3]."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    r = 0.5 + 0.5 * np.sin(x / 7.0) * np.cos(y / 11.0)
    g = (x + y) / (w + h)
    b = ((x // 9 + y // 6) % 2) * 0.8 + 0.1
    img = np.stack([r, g, b], axis=2) + rng.normal(0, noise, (h, w, 3))
    return np.clip(img, 0, 1)

def to_u8(img):
    return np.round(img * 255).astype(np.uint8)

made = []

# Grey 8-bit, 61x47: upscaled to 333x256.
g = to_u8(pattern(47, 61)[:, :, 0])
made.append(write_png("grey8.png", [g[i].tobytes() for i in range(47)], 61, 47, 8, 0))

# RGBA 8-bit, 50x64 with varying alpha (OpenCV drops alpha; colours kept as stored).
rgb = to_u8(pattern(64, 50))
alpha = (np.arange(50 * 64).reshape(64, 50) * 7 % 256).astype(np.uint8)
rgba = np.concatenate([rgb, alpha[:, :, None]], axis=2)
made.append(write_png("rgba8.png", [rgba[i].tobytes() for i in range(64)], 50, 64, 8, 6))

# Palette 8-bit with tRNS (transparent entries keep their colour in OpenCV), 40x30.
palette = to_u8(rng.uniform(0, 1, (32, 3)))
indices = (np.add.outer(np.arange(30) // 3, np.arange(40) // 4) % 32).astype(np.uint8)
trns = bytes([0, 128] + [255] * 30)
made.append(write_png("palette8.png", [indices[i].tobytes() for i in range(30)], 40, 30, 8, 3,
                      [(b"PLTE", palette.tobytes()), (b"tRNS", trns)]))

# RGB 16-bit, 45x38: low bytes chosen so that v >> 8 and round(v / 257) disagree.
rgb16 = (pattern(38, 45) * 65535).astype(np.uint16) | 0x00F0
made.append(write_png("rgb16.png", [rgb16[i].astype(">u2").tobytes() for i in range(38)], 45, 38, 16, 2))

# RGB 8-bit, 403x300 (no noise, to keep the file small): downscaled to 344x256.
rgb8 = to_u8(pattern(300, 403, noise=0))
made.append(write_png("rgb8.png", [rgb8[i].tobytes() for i in range(300)], 403, 300, 8, 2, up_filter=True))

# Interlaced (Adam7) RGB 8-bit made by ImageMagick from rgb8.png, cut to 120x90.
interlaced = os.path.join(OUT, "interlaced.png")
subprocess.run(["convert", os.path.join(OUT, "rgb8.png"), "-crop", "120x90+0+0", "+repage",
                "-interlace", "PNG", "-define", "png:color-type=2", interlaced], check=True)
made.append(interlaced)

# ---- JPEG fixtures --------------------------------------------------------------------

photo = os.path.join(DATA, "whl_demo.jpg")
ppm = os.path.join(OUT, "tmp.ppm")
subprocess.run(["convert", photo, "-resize", "301x203!", ppm], check=True)
progressive = os.path.join(OUT, "progressive.jpg")
with open(progressive, "wb") as f:
    f.write(subprocess.run(["cjpeg", "-progressive", "-quality", "85", ppm], check=True, capture_output=True).stdout)
made.append(progressive)

# EXIF orientation 6 (rotate 90 degrees clockwise): an APP1 "Exif" segment right after SOI.
baseline = subprocess.run(["cjpeg", "-quality", "85", ppm], check=True, capture_output=True).stdout
tiff = b"MM\x00\x2a" + struct.pack(">I", 8) + struct.pack(">H", 1) \
    + struct.pack(">HHIHH", 0x0112, 3, 1, 6, 0) + struct.pack(">I", 0)
app1 = b"Exif\x00\x00" + tiff
exif6 = os.path.join(OUT, "exif6.jpg")
with open(exif6, "wb") as f:
    f.write(baseline[:2] + b"\xff\xe1" + struct.pack(">H", len(app1) + 2) + app1 + baseline[2:])
made.append(exif6)

cmyk = os.path.join(OUT, "cmyk.jpg")
subprocess.run(["convert", ppm, "-resize", "120x81!", "-colorspace", "CMYK", "-quality", "90", cmyk], check=True)
made.append(cmyk)
os.remove(ppm)

made += [photo, os.path.join(DATA, "ILSVRC2012_val_00000010.jpeg")]

# ---- references -----------------------------------------------------------------------

for path in made:
    crop = paddleclas_crop(path)
    np.save(os.path.join(OUT, os.path.basename(path) + ".crop.npy"), crop)
    print(os.path.basename(path), cv2.imread(path).shape, "->", crop.shape)

table = np.stack([normalize(np.arange(256, dtype=np.uint8).reshape(1, 256, 1).repeat(3, axis=2))[0, :, c]
                  for c in range(3)]).astype("float32")
np.save(os.path.join(OUT, "normalize-table.npy"), table)
for path in [photo, os.path.join(OUT, "grey8.png")]:
    np.save(os.path.join(OUT, os.path.basename(path) + ".tensor.npy"), paddleclas_tensor(path))
# Bare cv2.resize INTER_LINEAR cases (random bytes, odd sizes, up and down, 3 channels):
# resize-<w>x<h>-to-<w2>x<h2>.src.npy and .dst.npy, uint8 [h, w, 3].
for (w, h, w2, h2) in [(7, 5, 13, 9), (37, 23, 20, 31), (50, 40, 33, 256)]:
    src = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    dst = cv2.resize(src, (w2, h2), interpolation=cv2.INTER_LINEAR)
    stem = os.path.join(OUT, "resize-%dx%d-to-%dx%d" % (w, h, w2, h2))
    np.save(stem + ".src.npy", src)
    np.save(stem + ".dst.npy", dst)
print("OpenCV", cv2.__version__, "NumPy", np.__version__)
