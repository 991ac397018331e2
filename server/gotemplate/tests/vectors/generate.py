#!/usr/bin/env python3
"""Writes go_vectors.json: Go text/template truth, rendered by the real Helm v4.2.3 engine.

usage: python3 generate.py [--helm-tool ../../../../../shared/tools/helm_template.py]

Each case is one chart `t` (Chart.yaml, values.yaml holding the case's values as JSON,
templates/case.yaml holding the template, plus any helper files) rendered with Helm's own
engine (`helm_render` of the library that helm_template.py loads; this is engine.Render, so
the output is the raw template text, not re-split into YAML documents). A vector records the
output of templates/case.yaml, or Helm's error text when rendering fails.
"""
import argparse
import importlib.util
import json
import os
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_TOOL = os.path.normpath(os.path.join(HERE, "../../../../../shared/tools/helm_template.py"))

V = {
    "s": "hello", "n": 3, "f": 1.5, "big": 1000000, "neg": -2, "zero": 0, "t": True, "fa": False,
    "nul": None, "e": "", "list": [1, "two", 3.5, True, None], "el": [], "em": {},
    "m": {"b": 2, "a": "x", "c": [1, 2]}, "nested": {"x": {"y": {"z": "deep"}}},
    "str": "a<b>&'\"c =?/", "ints": [3, 1, 2], "words": ["b", "a", "c"],
    "img": {"repository": "nginx", "tag": "1.25"}, "small": 0.000001, "half": 0.5,
    "frac": 3.14159, "huge": 1e21, "i64": 123456789, "neglist": [-1, -2.5],
}

# (name, template[, helpers]) -- every case runs with the values V
CASES = [
    # text, trim markers, comments
    ("text", "plain text\nline 2\n"),
    ("trim_left", "a  \n  {{- \"b\" }}  c"),
    ("trim_right", "a  {{ \"b\" -}}  \n  c"),
    ("trim_both", "a \t\n{{- 1 -}}\n\t b"),
    ("trim_comment", "x  {{- /* note */ -}}  y"),
    ("comment", "a{{/* a comment\nover lines */}}b"),
    ("trim_no_space_number", "{{3 -}} x"),
    ("trim_negative", "{{ -3 }}|{{- -3 -}}|"),
    ("empty_action_text", "{{ \"\" }}|"),
    # printing values
    ("print_string", "{{ .Values.s }}"),
    ("print_int_value", "{{ .Values.n }}"),
    ("print_float", "{{ .Values.f }}"),
    ("print_big_float", "{{ .Values.big }}"),
    ("print_i64_float", "{{ .Values.i64 }}"),
    ("print_small", "{{ .Values.small }}"),
    ("print_huge", "{{ .Values.huge }}"),
    ("print_bool", "{{ .Values.t }} {{ .Values.fa }}"),
    ("print_nil_value", "[{{ .Values.nul }}]"),
    ("print_missing", "[{{ .Values.missing }}]"),
    ("print_missing_chain_map", "[{{ .Values.em.x }}]"),
    ("print_list", "{{ .Values.list }}"),
    ("print_map", "{{ .Values.m }}"),
    ("print_nested", "{{ .Values.nested }}"),
    ("print_empty_list_map", "{{ .Values.el }} {{ .Values.em }}"),
    ("print_neglist", "{{ .Values.neglist }}"),
    ("deep_field", "{{ .Values.nested.x.y.z }}"),
    ("literal_int", "{{ 42 }} {{ -7 }} {{ +5 }}"),
    ("literal_float", "{{ 1.5 }} {{ 1e6 }} {{ 2.0 }} {{ 1e-7 }} {{ .5 }}"),
    ("literal_hex_octal_bin", "{{ 0x1F }} {{ 0o17 }} {{ 017 }} {{ 0b101 }} {{ 1_000 }}"),
    ("literal_hex_float", "{{ 0x1p4 }}"),
    ("literal_char", "{{ 'a' }} {{ '\\n' }} {{ '\\x41' }}"),
    ("literal_strings", "{{ \"a\\tb\\\"c\\u00e9\" }}|{{ `raw\\n\"x\"` }}"),
    ("literal_bool_nil_print", "{{ true }} {{ false }} {{ print nil }}"),
    # variables
    ("var_declare", "{{ $x := 5 }}{{ $x }}"),
    ("var_assign", "{{ $x := 1 }}{{ $x = 2 }}{{ $x }}"),
    ("var_dollar", "{{ $.Values.s }}"),
    ("var_field_chain", "{{ $m := .Values.nested }}{{ $m.x.y.z }}"),
    ("var_scope_if", "{{ $x := 1 }}{{ if true }}{{ $x := 2 }}{{ $x }}{{ end }}{{ $x }}"),
    ("var_assign_in_if", "{{ $x := 1 }}{{ if true }}{{ $x = 2 }}{{ end }}{{ $x }}"),
    ("var_assign_in_range", "{{ $s := 0 }}{{ range .Values.ints }}{{ $s = . }}{{ end }}{{ $s }}"),
    ("var_pipeline_decl", "{{ $x := .Values.s | printf \"%s!\" }}{{ $x }}"),
    ("var_decl_prints_nothing", "[{{ $x := 3 }}]"),
    # if / else
    ("if_true", "{{ if .Values.t }}yes{{ end }}"),
    ("if_else", "{{ if .Values.fa }}yes{{ else }}no{{ end }}"),
    ("if_else_if", "{{ if .Values.fa }}a{{ else if .Values.n }}b{{ else }}c{{ end }}"),
    ("if_else_if_chain", "{{ if eq .Values.n 1.0 }}1{{ else if eq .Values.n 2.0 }}2{{ else if eq .Values.n 3.0 }}3{{ end }}"),
    ("truthiness", "{{ range $k, $v := .Values }}{{ $k }}={{ if $v }}T{{ else }}F{{ end }} {{ end }}"),
    ("truth_zero_int_literal", "{{ if 0 }}T{{ else }}F{{ end }}{{ if 0.0 }}T{{ else }}F{{ end }}{{ if \"\" }}T{{ else }}F{{ end }}"),
    ("if_missing", "{{ if .Values.missing }}T{{ else }}F{{ end }}"),
    ("if_missing_deep_map", "{{ if .Values.em.x }}T{{ else }}F{{ end }}"),
    ("if_var_decl", "{{ if $x := .Values.s }}{{ $x }}{{ end }}"),
    # with
    ("with_value", "{{ with .Values.nested.x }}{{ .y.z }}{{ end }}"),
    ("with_else", "{{ with .Values.e }}A{{ else }}B{{ end }}"),
    ("with_else_with", "{{ with .Values.e }}A{{ else with .Values.s }}{{ . }}{{ end }}"),
    ("with_var", "{{ with $v := .Values.m }}{{ $v.a }}{{ end }}"),
    ("with_dollar_inside", "{{ with .Values.m }}{{ $.Values.s }}{{ end }}"),
    # range
    ("range_list", "{{ range .Values.ints }}[{{ . }}]{{ end }}"),
    ("range_index", "{{ range $i, $v := .Values.words }}{{ $i }}:{{ $v }} {{ end }}"),
    ("range_one_var", "{{ range $v := .Values.words }}{{ $v }}{{ end }}"),
    ("range_map_sorted", "{{ range $k, $v := .Values.m }}{{ $k }}={{ $v }};{{ end }}"),
    ("range_map_values", "{{ range .Values.m }}{{ . }};{{ end }}"),
    ("range_else", "{{ range .Values.el }}x{{ else }}empty{{ end }}"),
    ("range_else_map", "{{ range .Values.em }}x{{ else }}empty{{ end }}"),
    ("range_nil", "{{ range .Values.nul }}x{{ else }}none{{ end }}"),
    ("range_missing", "{{ range .Values.missing }}x{{ else }}none{{ end }}"),
    ("range_int", "{{ range 4 }}{{ . }}{{ end }}"),
    ("range_int_var", "{{ range $i := 3 }}{{ $i }}{{ end }}"),
    ("range_break", "{{ range .Values.ints }}{{ if eq . 1.0 }}{{ break }}{{ end }}{{ . }}{{ end }}"),
    ("range_continue", "{{ range .Values.ints }}{{ if eq . 1.0 }}{{ continue }}{{ end }}{{ . }}{{ end }}"),
    ("range_nested", "{{ range $a := .Values.words }}{{ range $.Values.ints }}{{ $a }}{{ . }} {{ end }}{{ end }}"),
    ("range_string_chars_error_free", "{{ range $i, $c := .Values.el }}{{ $c }}{{ end }}ok"),
    ("range_dot_restored", "{{ range .Values.ints }}{{ end }}{{ .Values.s }}"),
    # define / template / block
    ("define_template", "{{ define \"x\" }}X{{ . }}X{{ end }}{{ template \"x\" .Values.s }}"),
    ("template_nodata", "{{ define \"y\" }}[{{ . }}]{{ end }}{{ template \"y\" }}"),
    ("block", "{{ block \"b\" .Values.n }}B{{ . }}{{ end }}"),
    ("helper_file", "{{ template \"h.name\" . }}", {"_h.tpl": "{{- define \"h.name\" -}}\n{{ .Values.img.repository }}:{{ .Values.img.tag }}\n{{- end }}"}),
    ("template_in_range", "{{ define \"it\" }}<{{ . }}>{{ end }}{{ range .Values.words }}{{ template \"it\" . }}{{ end }}"),
    ("include_helper", "a: {{ include \"h.inc\" . }}", {"_h.tpl": "{{ define \"h.inc\" }}{{ .Values.s }}-{{ .Values.n }}{{ end }}"}),
    ("include_piped_printf", "{{ include \"h.inc\" . | printf \"%q\" }}", {"_h.tpl": "{{ define \"h.inc\" }}v{{ .Values.f }}{{ end }}"}),
    ("recursive_define_bounded", "{{ define \"r\" }}{{ if . }}{{ len . }}{{ template \"r\" (slice . 1) }}{{ end }}{{ end }}{{ template \"r\" .Values.words }}"),
    # pipelines, parentheses
    ("pipeline", "{{ .Values.s | printf \"%s-%s\" \"a\" }}"),
    ("pipeline_chain", "{{ 3 | printf \"%d\" | printf \"%s!\" }}"),
    ("parens", "{{ printf \"%s\" (printf \"%d\" 5) }}"),
    ("parens_field", "{{ (.Values.nested).x.y.z }}"),
    ("parens_index_field", "{{ (index .Values \"nested\").x.y.z }}"),
    ("parens_nested", "{{ ((print 1)) }}"),
    # and / or / not
    ("and_or", "{{ and 1 2 }} {{ and 0 2 }} {{ or 0 \"\" }} {{ or 0 5 }}"),
    ("err_and_no_args", "{{ and }}"),
    ("err_index_at_len", "{{ index .Values.words 3 }}"),
    ("err_map_missing_chain_in_range", "{{ range .Values.list }}{{ .x }}{{ end }}"),
    ("range_var_field_iface", "{{ range $v := .Values.words }}{{ $v.x }}{{ end }}"),
    ("paren_missing_field", "[{{ (.Values.missing).x }}]"),
    ("eq_nil_string", "{{ eq .Values.nul \"a\" }}"),
    ("err_eq_map_string", "{{ eq .Values.m \"a\" }}"),
    ("err_eq_no_args", "{{ eq 1 }}"),
    ("err_printf_format_not_string", "{{ printf 1 }}"),
    ("err_printf_format_value_not_string", "{{ printf .Values.n }}"),
    ("err_arg_to_non_function", "{{ 1 2 }}"),
    ("err_define_duplicate", "{{ define \"d\" }}a{{ end }}{{ define \"d\" }}b{{ end }}"),
    ("define_empty_redefinition_kept", "{{ define \"d\" }}a{{ end }}{{ define \"d\" }}{{ end }}{{ template \"d\" }}"),
    ("err_index_nested_nil", "{{ index .Values.m \"zz\" \"y\" }}"),
    ("err_range_bad_decl", "{{ range $a, 1 }}{{ end }}"),
    ("err_unclosed_action_multiline", "{{ if true }}\n{{ .Values.s\n\nx"),
    ("else_with_chain", "{{ with .Values.missing }}a{{ else with .Values.em }}b{{ else }}c{{ end }}"),
    ("trim_markers_multiline", "a:\n  {{- if true }}\n  b: 1\n  {{- end }}\n"),
    ("raw_string_multiline", "{{ `a\nb` }}"),
    ("and_short_circuit", "{{ and .Values.fa (index .Values.el 5) }}"),
    ("or_short_circuit", "{{ or .Values.t (index .Values.el 5) }}"),
    ("not", "{{ not 0 }} {{ not .Values.s }} {{ not .Values.missing }}"),
    ("and_values", "{{ and .Values.s .Values.m }}"),
    ("or_values", "{{ or .Values.e .Values.el .Values.list }}"),
    # comparisons
    ("eq_basic", "{{ eq 1 1 }} {{ eq \"a\" \"b\" }} {{ eq .Values.s \"hello\" }} {{ eq .Values.n 3.0 }}"),
    ("eq_multi", "{{ eq .Values.s \"x\" \"y\" \"hello\" }} {{ eq 1 2 3 }}"),
    ("eq_bool", "{{ eq .Values.t true }} {{ eq true false }}"),
    ("eq_nil", "{{ eq .Values.nul nil }}"),
    ("eq_missing_nil", "{{ eq .Values.missing nil }}"),
    ("ne", "{{ ne 1 2 }} {{ ne \"a\" \"a\" }}"),
    ("lt_etc", "{{ lt 1 2 }} {{ le 2 2 }} {{ gt 3 2 }} {{ ge 1 2 }} {{ lt \"a\" \"b\" }} {{ lt 1.5 2.5 }}"),
    ("lt_float_values", "{{ lt .Values.f .Values.n }} {{ gt .Values.big 10.0 }}"),
    ("eq_float_values", "{{ eq .Values.f 1.5 }}"),
    ("lt_neg_ints", "{{ lt -1 1 }}"),
    # len / index / slice
    ("len", "{{ len .Values.s }} {{ len .Values.list }} {{ len .Values.m }} {{ len .Values.el }} {{ len \"é\" }}"),
    ("index_list", "{{ index .Values.words 1 }}"),
    ("index_map", "{{ index .Values.m \"a\" }}"),
    ("index_nested", "{{ index .Values \"nested\" \"x\" \"y\" \"z\" }}"),
    ("index_missing_key", "[{{ index .Values.m \"zz\" }}]"),
    ("index_string", "{{ index .Values.s 1 }}"),
    ("index_no_args", "{{ index .Values.s }}"),
    ("index_float_index", "{{ index .Values.words 1.0 }}"),
    # print / printf / println
    ("print_args", "{{ print \"a\" \"b\" }}|{{ print 1 2 }}|{{ print \"a\" 1 \"b\" }}|{{ print 1 \"a\" 2 }}"),
    ("print_values_mixed", "{{ print .Values.n .Values.s .Values.nul }}"),
    ("println", "{{ println \"a\" 1 }}|"),
    ("printf_basic", "{{ printf \"%s=%d\" \"a\" 5 }}"),
    ("printf_v", "{{ printf \"%v %v %v %v\" .Values.m .Values.list .Values.nul .Values.missing }}"),
    ("printf_plus_v", "{{ printf \"%+v|%#v\" .Values.n .Values.s }}"),
    ("printf_q", "{{ printf \"%q %q\" .Values.str 'x' }}"),
    ("printf_x", "{{ printf \"%x %X %x %#x\" 255 255 \"hi\" 255 }}"),
    ("printf_o_b", "{{ printf \"%o %b %O\" 8 5 8 }}"),
    ("printf_f", "{{ printf \"%f %.2f %8.3f %-8.1f| %e %E %g %G\" 3.14159 3.14159 3.14159 2.5 123456.789 0.00012 0.000012345 1e21 }}"),
    ("printf_g_values", "{{ printf \"%g %g %v\" .Values.big .Values.frac .Values.half }}"),
    ("printf_width_string", "[{{ printf \"%5s|%-5s|%.2s|%05d|%+d|% d\" \"ab\" \"cd\" \"xyz\" 42 7 9 }}]"),
    ("printf_t", "{{ printf \"%t %t\" true .Values.fa }}"),
    ("printf_T", "{{ printf \"%T %T %T %T %T %T %T\" 1 1.5 \"s\" .Values.m .Values.list .Values.nul true }}"),
    ("printf_percent", "{{ printf \"100%%\" }}"),
    ("printf_missing_arg", "{{ printf \"%s %s\" \"a\" }}"),
    ("printf_extra_arg", "{{ printf \"%s\" \"a\" \"b\" }}"),
    ("printf_wrong_type", "{{ printf \"%d\" \"a\" }}"),
    ("printf_d_float", "{{ printf \"%d\" .Values.n }}"),
    ("printf_s_int", "{{ printf \"%s\" 5 }}"),
    ("printf_bad_verb", "{{ printf \"%z\" 1 }}"),
    ("printf_star_width", "{{ printf \"[%*d]\" 5 3 }}"),
    ("printf_c_U", "{{ printf \"%c %U\" 65 233 }}"),
    ("printf_float_v_values", "{{ printf \"%v %v %v %v\" .Values.f .Values.small .Values.huge .Values.i64 }}"),
    ("printf_s_list", "{{ printf \"%s|%d\" .Values.words .Values.ints }}"),
    ("printf_q_list", "{{ printf \"%q\" .Values.words }}"),
    ("printf_v_nested_map", "{{ printf \"%v\" .Values.img }}"),
    ("printf_no_verb_nil", "{{ printf \"%s\" nil }}"),
    ("printf_index_args", "{{ printf \"%[2]s %[1]s\" \"a\" \"b\" }}"),
    ("printf_6g", "{{ printf \"%.3g|%10.4e|%-10g|\" 1234.5678 1234.5678 0.5 }}"),
    ("printf_float_huge_f", "{{ printf \"%f\" .Values.huge }}"),
    ("printf_bool_d", "{{ printf \"%d\" true }}"),
    # html / js / urlquery
    ("html", "{{ html .Values.str }}"),
    ("js", "{{ js .Values.str }}"),
    ("urlquery", "{{ urlquery .Values.str }}"),
    ("html_int", "{{ html 5 }}"),
    ("js_unicode", "{{ js \"é\\u2028<\" }}"),
    # missing values and nil behaviour (missingkey=zero, <no value> removed)
    ("missing_in_printf", "{{ printf \"%v\" .Values.missing }}"),
    ("missing_index_print", "{{ index .Values \"missing\" }}"),
    ("missing_len_zero", "{{ .Values.em.missing }}"),
    ("no_value_literal_removed", "{{ \"<no value>\" }}x"),
    ("nil_in_list_print", "{{ index .Values.list 4 }}"),
    # whitespace, misc
    ("multi_line_action", "{{ printf\n\"%s\"\n.Values.s }}"),
    ("action_with_newline_in_parens", "{{ (print\n1) }}"),
    ("dollar_after_with", "{{ with .Values.img }}{{ .repository }}{{ $.Values.n }}{{ end }}"),
    ("dot_values_map_field_of_list_value", "{{ range .Values.list }}{{ . }},{{ end }}"),
    ("template_name", "{{ .Template.Name }} {{ .Template.BasePath }}"),
    ("call_non_func", "{{ len .Values.words | printf \"%d\" }}"),
    ("eq_string_int_values", "{{ eq .Values.s .Values.e }}"),
    ("break_in_nested_if", "{{ range .Values.words }}{{ if true }}{{ if eq . \"a\" }}{{ break }}{{ end }}{{ end }}{{ . }}{{ end }}"),
    # parse errors
    ("err_unclosed_action", "{{ .Values.s "),
    ("err_unexpected_eof", "{{ if true }}x"),
    ("err_unexpected_end", "{{ end }}"),
    ("err_unknown_function", "{{ nosuchfn 1 }}"),
    ("err_undefined_variable", "{{ $nope }}"),
    ("err_missing_if_value", "{{ if }}x{{ end }}"),
    ("err_else_outside", "{{ else }}"),
    ("err_break_outside", "{{ break }}"),
    ("err_continue_outside", "{{ continue }}"),
    ("err_unclosed_comment", "{{/* x "),
    ("err_comment_no_close_delim", "{{/* x */ y }}"),
    ("err_bad_number", "{{ 1x }}"),
    ("err_unterminated_string", "{{ \"abc }}"),
    ("err_unterminated_raw", "{{ `abc }}"),
    ("err_bad_char", "{{ 'ab' }}"),
    ("err_unexpected_rparen", "{{ ) }}"),
    ("err_unclosed_paren", "{{ (1 }}"),
    ("err_empty_pipeline", "{{ }}"),
    ("err_unexpected_in_operand", "{{ 1 | 2 }}"),
    ("err_too_many_decls", "{{ range $a, $b, $c := .Values.ints }}{{ end }}"),
    ("err_define_not_top", "{{ if true }}{{ define \"x\" }}{{ end }}{{ end }}"),
    ("err_template_name_not_string", "{{ template x }}"),
    ("err_unexpected_dot_after_term", "{{ 1.a }}"),
    ("err_bad_character", "{{ # }}"),
    ("err_line_number", "a\nb\n{{ if true }}\nc\n{{ end }}\n{{ nosuch }}"),
    ("err_non_executable_command", "{{ .Values | 3 }}"),
    ("err_else_chain_end", "{{ if true }}{{ else }}{{ else }}{{ end }}"),
    ("err_decl_in_middle", "{{ 1 | $x := 2 }}"),
    # exec errors
    ("err_nil_pointer", "{{ .Values.missing.x }}"),
    ("err_nil_pointer_deep", "{{ .Values.nested.x.nope.z }}"),
    ("err_field_of_string", "{{ .Values.s.x }}"),
    ("err_field_of_list", "{{ .Values.list.x }}"),
    ("err_field_of_int_literal", "{{ $x := 1 }}{{ $x.y }}"),
    ("err_index_out_of_range", "{{ index .Values.words 5 }}"),
    ("err_index_neg", "{{ index .Values.words -1 }}"),
    ("err_index_of_nil", "{{ index .Values.missing 1 }}"),
    ("err_index_wrong_type", "{{ index .Values.words \"a\" }}"),
    ("err_index_of_int", "{{ index 5 1 }}"),
    ("err_len_int", "{{ len 3 }}"),
    ("err_len_nil", "{{ len .Values.missing }}"),
    ("err_lt_int_float", "{{ lt 1 2.5 }}"),
    ("err_lt_values_int_literal", "{{ lt .Values.n 5 }}"),
    ("err_eq_int_string", "{{ eq 1 \"a\" }}"),
    ("err_eq_values_float_int", "{{ eq .Values.n 3 }}"),
    ("err_lt_bool", "{{ lt true false }}"),
    ("err_lt_map", "{{ lt .Values.m .Values.m }}"),
    ("err_eq_map", "{{ eq .Values.m .Values.m }}"),
    ("err_eq_list", "{{ eq .Values.list .Values.list }}"),
    ("err_lt_nil", "{{ lt .Values.nul 1 }}"),
    ("err_template_undefined", "{{ template \"nope\" }}"),
    ("err_wrong_arg_count_not", "{{ not 1 2 }}"),
    ("err_wrong_arg_count_len", "{{ len }}"),
    ("err_range_over_string", "{{ range .Values.s }}{{ end }}"),
    ("err_range_over_int_two_vars", "{{ range $i, $v := 3 }}{{ end }}"),
    ("err_range_over_float", "{{ range .Values.f }}{{ end }}"),
    ("err_range_over_bool", "{{ range true }}{{ end }}"),
    ("err_not_a_function_args", "{{ .Values.s 1 }}"),
    ("err_field_on_nil_literal", "{{ nil }}"),
    ("err_nil_command", "{{ print (nil) }}"),
    ("err_exec_line_col", "line1\n  {{ .Values.s }} {{ .Values.missing.x.y }}"),
    ("err_exec_in_helper", "{{ template \"h.bad\" . }}", {"_h.tpl": "{{ define \"h.bad\" }}\n  {{ .Values.s.x }}\n{{ end }}"}),
    ("err_include_missing", "{{ include \"nope\" . }}"),
    ("err_include_error_inside", "{{ include \"h.bad\" . }}", {"_h.tpl": "{{ define \"h.bad\" }}{{ index .Values.words 9 }}{{ end }}"}),
    ("err_recursion_limit", "{{ define \"loop\" }}{{ template \"loop\" . }}{{ end }}{{ template \"loop\" . }}"),
    ("err_index_map_int_key", "{{ index .Values.m 1 }}"),
    ("err_printf_no_args", "{{ printf }}"),
    ("err_html_nothing", "{{ and 1 | not 1 }}"),
    ("err_field_of_bool", "{{ .Values.t.x }}"),
    ("err_variable_field_nil", "{{ $x := .Values.missing }}{{ $x.y }}"),
    ("err_break_in_define_inside_range", "{{ define \"b\" }}{{ break }}{{ end }}"),
]


def load_tool(path):
    spec = importlib.util.spec_from_file_location("helm_template", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def render(tool, lib, work, template, helpers):
    chart = os.path.join(work, "t")
    if os.path.isdir(chart):
        shutil.rmtree(chart)
    os.makedirs(os.path.join(chart, "templates"))
    with open(os.path.join(chart, "Chart.yaml"), "w") as f:
        f.write("apiVersion: v2\nname: t\nversion: 0.1.0\n")
    with open(os.path.join(chart, "values.yaml"), "w") as f:
        json.dump(V, f)
    with open(os.path.join(chart, "templates", "case.yaml"), "w") as f:
        f.write(template)
    for name, text in helpers.items():
        with open(os.path.join(chart, "templates", name), "w") as f:
            f.write(text)
    h = lib.load(chart)
    try:
        opts = json.dumps({"name": "rel", "namespace": "default", "is_install": True}).encode()
        rc, out, err = lib.out2("helm_render", h, b"{}", opts)
    finally:
        lib.free_chart(h)
    if rc != 0:
        return {"error": err}
    return {"output": json.loads(out)["t/templates/case.yaml"]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--helm-tool", default=DEFAULT_TOOL)
    ap.add_argument("--out", default=os.path.join(HERE, "go_vectors.json"))
    args = ap.parse_args()
    tool = load_tool(args.helm_tool)
    lib = tool.Lib(tool.ensure_library())
    names = set()
    vectors = []
    with tempfile.TemporaryDirectory() as work:
        for case in CASES:
            name, template = case[0], case[1]
            helpers = case[2] if len(case) > 2 else {}
            if name in names:
                sys.exit("duplicate case name " + name)
            names.add(name)
            vec = {"name": name, "template": template, "helpers": helpers}
            vec.update(render(tool, lib, work, template, helpers))
            vectors.append(vec)
    with open(args.out, "w") as f:
        json.dump({"helm": tool.HELM_VERSION, "values": V, "vectors": vectors}, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print("%d vectors (%d errors) -> %s" % (len(vectors), sum("error" in v for v in vectors), args.out))


if __name__ == "__main__":
    main()
