;; Exports `test:partial/leaf`; its core module has one page of memory, and
;; `value` grows it by 16 pages (1 MiB) with `memory.grow`, returning the old
;; size in pages (1, then 17, ...), or -1 when the grow is refused: a memory
;; limit below the grown size refuses it, as WebAssembly lets a host do, and
;; the plugin goes on.
(component
  (core module $m
    (memory (export "memory") 1)
    ;; label's return area at 8: the string (ptr 16, len 4) "grow".
    (data (i32.const 8) "\10\00\00\00\04\00\00\00")
    (data (i32.const 16) "grow")
    (func (export "value") (result i32)
      (memory.grow (i32.const 16)))
    (func (export "label") (result i32) (i32.const 8))
  )
  (core instance $i (instantiate $m))
  (func $value (result u32) (canon lift (core func $i "value")))
  (func $label (result string)
    (canon lift (core func $i "label") (memory (core memory $i "memory")) string-encoding=utf8))
  (instance $leaf
    (export "value" (func $value))
    (export "label" (func $label)))
  (export "test:partial/leaf" (instance $leaf))
)
