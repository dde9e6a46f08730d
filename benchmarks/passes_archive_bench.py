"""Archive benchmark (single process only, so far): 250 passes with xhtml2pdf vs a ReportLab-canvas floor.

Run: .venv/bin/python -m benchmarks.passes_archive_bench   (from the repo root; prints figures, asserts nothing)
Not yet measured here: 1 vs 2 RQ workers and worker peak memory.
"""
import io
import time
from datetime import date
from types import SimpleNamespace

from webapp import create_app

N = 250


def main():
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "PUBLIC_URL": "http://localhost"})
    with app.app_context():
        t0 = time.perf_counter()
        from webapp.passes.jobs import PassRenderer, qr_data_uri
        import segno
        from reportlab.lib.units import mm
        from reportlab.lib.utils import ImageReader
        from reportlab.pdfgen import canvas
        print(f"imports: {time.perf_counter() - t0:.2f} s")
        renderer = PassRenderer()
        holder = SimpleNamespace(number="73029884", display_name="Mevr. K.C. Knightley")
        qualification = SimpleNamespace(name="Eerste Hulp", kind_label="Diploma", modules=[], exam_date=date(2018, 8, 31),
                                        exam_number="EX45465", expires_on=date(2030, 1, 1), verify_token="x" * 22)
        t0 = time.perf_counter()
        renderer.render(holder, qualification, "1122334455")
        print(f"first pass (xhtml2pdf): {1000 * (time.perf_counter() - t0):.0f} ms")
        t0 = time.perf_counter()
        for _ in range(N):
            renderer.render(holder, qualification, "1122334455")
        html = time.perf_counter() - t0
        t0 = time.perf_counter()
        for _ in range(N):
            out = io.BytesIO()
            c = canvas.Canvas(out, pagesize=(105 * mm, 74 * mm))
            c.drawString(10, 180, holder.number)
            c.drawString(10, 165, holder.display_name)
            c.drawString(10, 150, qualification.name)
            png = io.BytesIO()
            segno.make("http://localhost/pasjes/verificatie/" + "x" * 22, error="m").save(png, kind="png", scale=4)
            png.seek(0)
            c.drawImage(ImageReader(png), 200, 100, 80, 80)
            c.showPage()
            c.save()
        floor = time.perf_counter() - t0
        print(f"xhtml2pdf: {N} passes in {html:.2f} s ({1000 * html / N:.1f} ms/pass)")
        print(f"ReportLab floor: {N} passes in {floor:.2f} s ({1000 * floor / N:.1f} ms/pass); ratio {html / floor:.2f}x")


if __name__ == "__main__":
    main()
