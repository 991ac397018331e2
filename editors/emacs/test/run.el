;;; run.el --- headless test of the eglot setup in editors/README.md  -*- lexical-binding: t -*-

;; emacs --batch -q -l editors/emacs/test/run.el, from editors/emacs/test.sh, with
;; GITOPS_LS_PROJECT set to a git repository holding the Neovim test's fixtures and
;; `gitops-ls' on PATH. Evaluates the first elisp block of the "Emacs (eglot)" section
;; of editors/README.md, as a user's init file would, then drives eglot as a user does:
;; open a file, read the diagnostics, hover, apply a quick fix, shut down.
;;
;; Prints `ok N - name' / `not ok N - name' per check, then
;; `emacs-eglot: N passed, M failed'; exits 1 when a check fails.

(require 'cl-lib)
(require 'subr-x)

(defvar run-dir (file-name-directory (or load-file-name buffer-file-name)))
(defvar readme (expand-file-name "../../README.md" run-dir))
(defvar project-dir (file-name-as-directory (getenv "GITOPS_LS_PROJECT")))
(defvar results nil "(NAME . ERROR-OR-NIL), newest first.")

(defun out (format-string &rest args)
  (princ (concat (apply #'format format-string args) "\n")))

(defmacro check (name &rest body)
  "Run BODY as the check NAME; an error in it fails the check."
  (declare (indent 1))
  `(let ((err (condition-case e (progn ,@body nil) (error (error-message-string e)))))
     (push (cons ,name err) results)
     (out "%s %d - %s" (if err "not ok" "ok") (length results) ,name)
     (when err (out "  %s" err))))

(defun expect (condition message &rest args)
  (unless condition (error "%s" (apply #'format message args))))

(defun run-idle-timers ()
  "Run the idle timers, as a pause of the user would: batch Emacs is never idle.
eglot sends `didChange' and Flymake starts a check from idle timers."
  (dolist (timer (copy-sequence timer-idle-list))
    (timer-event-handler timer)))

;; Waits are bounded watchdogs, not timings: each condition is met within about a second
;; here, and the limits are over 20 times that.
(defun wait-for (what seconds condition)
  "Process server output until CONDITION returns non-nil; its value, or an error naming WHAT."
  (let ((deadline (+ (float-time) seconds)) value)
    (while (and (not (setq value (funcall condition))) (< (float-time) deadline))
      (accept-process-output nil 0.05)
      (run-idle-timers))
    (or value (error "timed out after %ss waiting for %s" seconds what))))

(defun readme-setup ()
  "The first elisp block after the \"## Emacs\" heading of editors/README.md."
  (with-temp-buffer
    (insert-file-contents readme)
    (re-search-forward "^## Emacs")
    (re-search-forward "^```elisp\n")
    (let ((start (point)))
      (re-search-forward "^```$")
      (buffer-substring-no-properties start (match-beginning 0)))))

(defun ours (&optional code)
  "gitops-ls's flymake diagnostics in the current buffer (with CODE)."
  (cl-remove-if-not
   (lambda (d)
     (let ((lsp (alist-get 'eglot-lsp-diag (flymake-diagnostic-data d))))
       (and (equal (plist-get lsp :source) "gitops-ls")
            (or (null code) (equal (plist-get lsp :code) code)))))
   (flymake-diagnostics)))

(defun goto-text (text)
  "Move point to the first TEXT of the buffer; return point."
  (goto-char (point-min))
  (expect (search-forward text nil t) "no %S in %s" text (buffer-name))
  (goto-char (match-beginning 0)))

(defun visit (file)
  "Open FILE as a user does: the major mode's hooks run, then the command loop's."
  (find-file (expand-file-name file project-dir))
  ;; Batch Emacs has no command loop and no redisplay: eglot-ensure connects from
  ;; post-command-hook, and Flymake starts in a buffer once it is displayed.
  (run-hooks 'post-command-hook)
  (run-window-configuration-change-hook)
  (current-buffer))

(defvar manifest nil)
(defvar server nil)

(check "the README's eglot setup evaluates; eglot and yaml-mode load"
  (eval (car (read-from-string (concat "(progn " (readme-setup) ")"))) t)
  (require 'eglot)
  (require 'yaml-mode)
  (expect (equal (cdr (assoc '(yaml-mode yaml-ts-mode) eglot-server-programs))
                 '("gitops-ls" "serve"))
          "eglot-server-programs: %S" (car eglot-server-programs))
  (expect (executable-find "gitops-ls") "gitops-ls is not on PATH"))

(check "eglot starts gitops-ls for a YAML file, rooted at the project (the git repository)"
  (setq manifest (visit "deployment.yaml"))
  (expect (eq major-mode 'yaml-mode) "major mode %s" major-mode)
  (setq server (wait-for "eglot to connect" 20 (lambda () (eglot-current-server))))
  (expect (equal (plist-get (eglot--server-info server) :name) "gitops-ls")
          "serverInfo %S" (eglot--server-info server))
  (expect (equal (file-name-as-directory (expand-file-name (project-root (eglot--project server))))
                 (expand-file-name project-dir))
          "project root %s" (project-root (eglot--project server))))

(check "diagnostics: rule ids as codes, exact range, severity from .gitops-ls.yaml"
  (with-current-buffer manifest
    (wait-for "the diagnostics" 20
              (lambda () (and (= (length (ours "implicit-pull-policy")) 2)
                              (= (length (ours "invalid-pull-policy")) 1)
                              (= (length (ours "latest-tag")) 1))))
    (let ((invalid (car (ours "invalid-pull-policy")))
          (start (goto-text "IfNotPresnt")))
      (expect (and (= (flymake-diagnostic-beg invalid) start)
                   (= (flymake-diagnostic-end invalid) (+ start (length "IfNotPresnt"))))
              "invalid-pull-policy at %d-%d, expected %d" (flymake-diagnostic-beg invalid)
              (flymake-diagnostic-end invalid) start)
      (expect (eq (flymake-diagnostic-type invalid) 'eglot-error) "type %s" (flymake-diagnostic-type invalid))
      (expect (string-prefix-p "gitops-ls [invalid-pull-policy]: " (flymake-diagnostic-text invalid))
              "text %S" (flymake-diagnostic-text invalid)))
    (let ((latest (car (ours "latest-tag"))))
      (expect (eq (flymake-diagnostic-type latest) 'eglot-error)
              "latest-tag is an error in .gitops-ls.yaml, got %s" (flymake-diagnostic-type latest)))
    (let ((implicit (flymake-diagnostic-type (car (ours "implicit-pull-policy")))))
      (expect (eq implicit 'eglot-note)
              "implicit-pull-policy keeps its default severity (a hint), got %s" implicit))))

(check "hover (eglot's eldoc function) on `image: nginx' shows the effective policy"
  (with-current-buffer manifest
    (goto-char (+ (goto-text "image: nginx") (length "image: ")))
    (let (hover)
      (eglot-hover-eldoc-function (lambda (info &rest _) (setq hover (or info ""))))
      (wait-for "the hover" 20 (lambda () hover))
      (with-temp-file (expand-file-name "hover-nginx.txt" (getenv "GITOPS_LS_ARTIFACTS")) (insert hover))
      (let ((first (replace-regexp-in-string "[*`]" "" (car (split-string (string-trim hover) "\n")))))
        (expect (equal first "Effective imagePullPolicy: Always (default)") "first line %S" first)))))

(check "code action (eglot-code-actions, the preferred default) inserts imagePullPolicy"
  (with-current-buffer manifest
    (let ((titles nil)
          (image-line (line-number-at-pos (goto-text "image: nginx"))))
      ;; implicit-pull-policy underlines the container's name: the cursor goes there.
      (goto-char (+ (goto-text "- name: web") (length "- name: ")))
      ;; The user presses RET on the offered default (eglot offers the isPreferred one).
      (let ((last-nonmenu-event ?\r)
            (completing-read-function
             (lambda (_prompt collection &optional _pred _req _init _hist default &rest _)
               (setq titles (mapcar #'car collection))
               default)))
        (eglot-code-actions (point) (point) nil t))
      (out "  actions: %s" (string-join titles " | "))
      (goto-char (point-min))
      (forward-line image-line)
      (expect (equal (buffer-substring-no-properties (line-beginning-position) (line-end-position))
                     "          imagePullPolicy: Always")
              "line after the image: %S"
              (buffer-substring-no-properties (line-beginning-position) (line-end-position)))
      (expect (buffer-modified-p) "buffer not modified")
      (write-region nil nil (expand-file-name "deployment.fixed.yaml" (getenv "GITOPS_LS_ARTIFACTS")) nil 'quiet))))

(check "diagnostics follow the edit (one implicit-pull-policy left, on cache)"
  (with-current-buffer manifest
    (let ((cache (goto-text "cache")))
      (wait-for "re-published diagnostics" 20
                (lambda () (and (= (length (ours "implicit-pull-policy")) 1)
                                (= (flymake-diagnostic-beg (car (ours "implicit-pull-policy"))) cache)))))))

(defvar overlay nil)
(check "the overlay in the same project: overlay-changes-policy on `newTag: latest', unused-image-entry on `ngnix'"
  (setq overlay (visit "gitops/overlays/dev/kustomization.yaml"))
  (expect (eq (eglot-current-server) server) "the overlay got another server")
  (wait-for "the GitOps findings (after the index is built)" 20
            (lambda () (and (= (length (ours "overlay-changes-policy")) 1)
                            (= (length (ours "unused-image-entry")) 1))))
  (let ((change (car (ours "overlay-changes-policy")))
        (unused (car (ours "unused-image-entry"))))
    (expect (= (flymake-diagnostic-beg change) (goto-text "latest")) "overlay-changes-policy at %d" (flymake-diagnostic-beg change))
    (expect (= (flymake-diagnostic-beg unused) (goto-text "ngnix")) "unused-image-entry at %d" (flymake-diagnostic-beg unused))
    (out "  overlay: %s" (flymake-diagnostic-text change))))

;; eglot-shutdown sends `shutdown' (params null) and signals the error of a reply that is
;; one; after `exit' jsonrpc deletes the process without waiting for its exit status, so
;; the status is not what this checks.
(check "eglot-shutdown: the server answers shutdown without an error, the connection ends"
  (let ((process (jsonrpc--process server)))
    (unwind-protect
        (eglot-shutdown server nil nil 'preserve-buffers)
      (with-current-buffer (jsonrpc-events-buffer server)
        (write-region nil nil (expand-file-name "eglot-events.log" (getenv "GITOPS_LS_ARTIFACTS")) nil 'quiet)))
    (expect (not (process-live-p process)) "the server process still runs")
    (expect (null (with-current-buffer manifest (eglot-current-server))) "eglot still manages the buffer")))

(let* ((failed (cl-count-if #'cdr results))
       (passed (- (length results) failed)))
  (out "emacs-eglot: %d passed, %d failed" passed failed)
  (kill-emacs (if (= failed 0) 0 1)))
