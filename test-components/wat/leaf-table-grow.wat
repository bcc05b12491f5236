;; Exports `test:partial/leaf`; its core module has a funcref table of 10
;; elements, and `value` grows it by 1000 with `table.grow`, returning the
;; old size (10), or -1 when the grow is refused. A table-elements limit
;; below 10 stops it at instantiation, one below 1010 in `value`.
(component
  (core module $m
    (memory (export "memory") 1)
    (table $t 10 funcref)
    ;; label's return area at 8: the string (ptr 16, len 4) "grow".
    (data (i32.const 8) "\10\00\00\00\04\00\00\00")
    (data (i32.const 16) "grow")
    (func (export "value") (result i32)
      (table.grow $t (ref.null func) (i32.const 1000)))
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
