package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// tarball writes a package as npm packs it.
func tarball(t *testing.T, files map[string]string) string {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for name, body := range files {
		if err := tw.WriteHeader(&tar.Header{Name: "package/" + name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		_, _ = tw.Write([]byte(body))
	}
	_ = tw.Close()
	_ = gz.Close()
	p := filepath.Join(t.TempDir(), "dsfr.tgz")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func fakePackage() map[string]string {
	face := func(name, style string) string {
		return `@font-face{font-family:Marianne;font-style:` + style + `;src:url(fonts/` + name + `.woff2) format("woff2"),url(fonts/` + name + `.woff) format("woff")}`
	}
	css := face("Marianne-Light", "normal") + face("Marianne-Light_Italic", "italic") + face("Marianne-Regular", "normal") +
		face("Marianne-Medium", "normal") + face("Marianne-Bold", "normal") + face("Spectral-Regular", "normal") +
		`.fr-header{color:red}.fr-connect:before{background-image:url("data:image/svg+xml;charset=utf8,%3Csvg xmlns='x'/%3E")}.fr-alert:before{mask-image:url(icons/system/fr--info-fill.svg)}/*# sourceMappingURL=dsfr.min.css.map */`
	files := map[string]string{
		"package.json":                         `{"name":"@gouvfr/dsfr","version":"9.9.9"}`,
		"LICENSE.md":                           "Licence Ouverte 2.0",
		"dist/dsfr.min.css":                    css,
		"dist/icons/system/fr--info-fill.svg":  "<svg/>",
		"dist/icons/system/unused.svg":         "<svg/>",
		"dist/favicon/favicon.svg":             "<svg/>",
		"dist/favicon/favicon.ico":             "ico",
		"dist/component/header/header.min.css": ".fr-header{}",
	}
	for _, f := range []string{"Marianne-Light", "Marianne-Light_Italic", "Marianne-Regular", "Marianne-Medium", "Marianne-Bold", "Spectral-Regular"} {
		files["dist/fonts/"+f+".woff2"] = f
		files["dist/fonts/"+f+".woff"] = f
	}
	return files
}

func TestWritesWhatPagesUse(t *testing.T) {
	out := filepath.Join(t.TempDir(), "dist")
	var stdout bytes.Buffer
	if err := run([]string{"-tgz", tarball(t, fakePackage()), "-version", "9.9.9", "-o", out}, &stdout); err != nil {
		t.Fatal(err)
	}
	var got []string
	_ = filepath.Walk(out, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			rel, _ := filepath.Rel(out, p)
			got = append(got, filepath.ToSlash(rel))
		}
		return nil
	})
	want := "LICENSE.md VERSION dsfr.min.css.gz favicon.ico favicon.svg fonts/Marianne-Bold.woff2 fonts/Marianne-Light.woff2 fonts/Marianne-Medium.woff2 fonts/Marianne-Regular.woff2 franceconnect.svg icons/system/fr--info-fill.svg"
	if strings.Join(got, " ") != want {
		t.Fatalf("files\n got %s\nwant %s", strings.Join(got, " "), want)
	}
	f, _ := os.Open(filepath.Join(out, "dsfr.min.css.gz"))
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	css, _ := io.ReadAll(zr)
	if logo, _ := os.ReadFile(filepath.Join(out, "franceconnect.svg")); string(logo) != "<svg xmlns='x'/>" {
		t.Errorf("franceconnect.svg = %q", logo)
	}
	for _, not := range []string{"Italic", "Spectral", ".woff)", "sourceMappingURL"} {
		if bytes.Contains(css, []byte(not)) {
			t.Errorf("the stylesheet still has %s: %s", not, css)
		}
	}
	if !bytes.Contains(css, []byte(`src:url(fonts/Marianne-Bold.woff2) format("woff2")}`)) || !bytes.Contains(css, []byte(".fr-header{color:red}")) {
		t.Errorf("stylesheet: %s", css)
	}
}

func TestRefusesBadPackage(t *testing.T) {
	missing := fakePackage()
	delete(missing, "dist/icons/system/fr--info-fill.svg")
	for name, tc := range map[string]struct {
		files   map[string]string
		version string
		want    string
	}{
		"other version": {fakePackage(), "1.15.3", "not 1.15.3"},
		"missing icon":  {missing, "9.9.9", "lacks icons/system/fr--info-fill.svg"},
	} {
		t.Run(name, func(t *testing.T) {
			err := run([]string{"-tgz", tarball(t, tc.files), "-version", tc.version, "-o", filepath.Join(t.TempDir(), "d")}, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}
