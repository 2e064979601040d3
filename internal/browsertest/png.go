package browsertest

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

// CheckPNG reports an error unless b is a PNG width pixels wide (with a
// device scale of 1) that shows something: at least 2% of its pixels
// differ from its most frequent colour, as text, buttons and the header do
// on a white page.
func CheckPNG(b []byte, width int) error {
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("not a PNG: %w", err)
	}
	r := img.Bounds()
	if r.Dx() != width || r.Dy() < 200 {
		return fmt.Errorf("%dx%d, want %d wide and 200 high at least", r.Dx(), r.Dy(), width)
	}
	return inked(img)
}

// inked reports an error unless at least 2% of img's pixels differ from
// its most frequent colour.
func inked(img image.Image) error {
	r := img.Bounds()
	counts := map[uint32]int{}
	for y := r.Min.Y; y < r.Max.Y; y += 2 {
		for x := r.Min.X; x < r.Max.X; x += 2 {
			cr, cg, cb, _ := img.At(x, y).RGBA()
			counts[cr>>8<<16|cg>>8<<8|cb>>8]++
		}
	}
	total, top := 0, 0
	for _, n := range counts {
		total += n
		top = max(top, n)
	}
	if float64(total-top) < 0.02*float64(total) {
		return fmt.Errorf("blank: %.1f%% of the pixels are one colour", 100*float64(top)/float64(total))
	}
	return nil
}

// SaveScreenshot checks that shot, a PNG of a page or of one element, shows
// something (as CheckPNG, whatever its size) and keeps it as name in the
// folder $PROCONNECT_SANDBOX_SCREENSHOTS names (CI: reports/screenshots/).
func SaveScreenshot(tb testing.TB, name string, shot []byte) {
	tb.Helper()
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		tb.Fatalf("screenshot %s: not a PNG: %v", name, err)
	}
	if err := inked(img); err != nil {
		tb.Errorf("screenshot %s: %v", name, err)
	}
	if dir := os.Getenv(ScreenshotsEnv); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), shot, 0o644); err != nil {
			tb.Fatal(err)
		}
	}
}

// blank makes a one-colour PNG (for the tests of CheckPNG).
func blank(w, h int) image.Image { return image.NewGray(image.Rect(0, 0, w, h)) }
