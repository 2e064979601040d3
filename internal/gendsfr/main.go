package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "gendsfr:", err)
		os.Exit(1)
	}
}

// keptFonts are the Marianne faces the pages use (light, regular, medium,
// bold; no italics, no Spectral): the browser synthesises the rest.
var keptFonts = []string{"Marianne-Light", "Marianne-Regular", "Marianne-Medium", "Marianne-Bold"}

var keptFiles = []string{"favicon/favicon.svg", "favicon/favicon.ico"}

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("gendsfr", flag.ContinueOnError)
	tgz := fs.String("tgz", "", "the tarball `npm pack @gouvfr/dsfr@<version>` wrote")
	version := fs.String("version", "", "the version the tarball must carry")
	out := fs.String("o", "", "the folder to write (ui/dist), emptied first")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *tgz == "" || *version == "" || *out == "" {
		return errors.New("-tgz, -version and -o are required")
	}
	files, err := readTarball(*tgz)
	if err != nil {
		return err
	}
	got, err := packageVersion(files["package/package.json"])
	if err != nil {
		return err
	}
	if got != *version {
		return fmt.Errorf("%s holds @gouvfr/dsfr %s, not %s", *tgz, got, *version)
	}
	dist, err := build(files)
	if err != nil {
		return err
	}
	dist["VERSION"] = []byte(got + "\n")
	if err := os.RemoveAll(*out); err != nil {
		return err
	}
	names := make([]string, 0, len(dist))
	total := 0
	for name, b := range dist {
		p := filepath.Join(*out, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			return err
		}
		names = append(names, name)
		total += len(b)
	}
	fmt.Fprintf(stdout, "gendsfr: @gouvfr/dsfr %s, %d files, %d bytes in %s\n", got, len(names), total, *out)
	return nil
}

func readTarball(name string) (map[string][]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	files := map[string][]byte{}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return files, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if h.Typeflag != tar.TypeReg || !wanted(h.Name) {
			continue
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", name, h.Name, err)
		}
		files[h.Name] = b
	}
}

// wanted keeps the few parts of the 7,000-file package build can use.
func wanted(name string) bool {
	return name == "package/package.json" || name == "package/LICENSE.md" || name == "package/dist/dsfr.min.css" ||
		strings.HasPrefix(name, "package/dist/icons/") || strings.HasPrefix(name, "package/dist/fonts/") ||
		strings.HasPrefix(name, "package/dist/favicon/")
}

func packageVersion(b []byte) (string, error) {
	var p struct{ Name, Version string }
	if err := json.Unmarshal(b, &p); err != nil {
		return "", fmt.Errorf("package.json: %w", err)
	}
	if p.Name != "@gouvfr/dsfr" {
		return "", fmt.Errorf("package.json names %q, not @gouvfr/dsfr", p.Name)
	}
	return p.Version, nil
}

var (
	reFontFace = regexp.MustCompile(`@font-face\{[^}]*\}`)
	reFontURL  = regexp.MustCompile(`url\(fonts/([A-Za-z_-]+)\.woff2\) format\("woff2"\)`)
	reWoff     = regexp.MustCompile(`,url\(fonts/[A-Za-z_-]+\.woff\) format\("woff"\)`)
	reIconURL  = regexp.MustCompile(`url\((icons/[a-z0-9/_-]+\.svg)\)`)
	reMap      = regexp.MustCompile(`/\*# sourceMappingURL=[^*]*\*/`)
	// the FranceConnect logo the button draws: FranceConnect's header
	// shows it too
	reFCLogo = regexp.MustCompile(`\.fr-connect:before\{background-image:url\("data:image/svg\+xml;charset=utf-?8,([^"]+)"\)`)
)

// build derives ui/dist's files from the package's.
func build(files map[string][]byte) (map[string][]byte, error) {
	css, ok := files["package/dist/dsfr.min.css"]
	if !ok {
		return nil, errors.New("the tarball has no dist/dsfr.min.css")
	}
	dist := map[string][]byte{}
	var missing []string
	css = reFontFace.ReplaceAllFunc(css, func(rule []byte) []byte {
		m := reFontURL.FindSubmatch(rule)
		if m == nil || !slices.Contains(keptFonts, string(m[1])) {
			return nil
		}
		name := "fonts/" + string(m[1]) + ".woff2"
		b, ok := files["package/dist/"+name]
		if !ok {
			missing = append(missing, name)
		}
		dist[name] = b
		return reWoff.ReplaceAll(rule, nil)
	})
	css = reMap.ReplaceAll(css, nil)
	for _, m := range reIconURL.FindAllSubmatch(css, -1) {
		name := string(m[1])
		b, ok := files["package/dist/"+name]
		if !ok {
			missing = append(missing, name)
			continue
		}
		dist[name] = b
	}
	for _, name := range keptFiles {
		b, ok := files["package/dist/"+name]
		if !ok {
			missing = append(missing, name)
			continue
		}
		dist[path.Base(name)] = b
	}
	m := reFCLogo.FindSubmatch(css)
	if m == nil {
		missing = append(missing, "the FranceConnect logo of .fr-connect:before")
	} else {
		logo, err := url.PathUnescape(string(m[1]))
		if err != nil {
			return nil, fmt.Errorf("the FranceConnect logo: %w", err)
		}
		dist["franceconnect.svg"] = []byte(logo)
	}
	lic, ok := files["package/LICENSE.md"]
	if !ok {
		missing = append(missing, "LICENSE.md")
	}
	dist["LICENSE.md"] = lic
	if len(missing) > 0 {
		slices.Sort(missing)
		return nil, fmt.Errorf("the tarball lacks %s", strings.Join(slices.Compact(missing), ", "))
	}
	if len(dist) < len(keptFonts)+len(keptFiles)+1 {
		return nil, errors.New("dsfr.min.css declares none of the kept Marianne fonts")
	}
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	if _, err := zw.Write(css); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	dist["dsfr.min.css.gz"] = gz.Bytes()
	return dist, nil
}
