// The class buttons under the image, each with its key; the current label is highlighted.
import type { ClassInfo } from '../../domain/classes';
import type { LabelValue } from '../../domain/queue-machine';
import { Kbd, singleClick } from '../../components/ui';

export function ClassBar({ classes, current, onPick, disabled }: { classes: ClassInfo[]; current: LabelValue; onPick(index: number): void; disabled: boolean }) {
  return (
    <div className="class-bar" role="group" aria-label="Label with a class">
      {classes.map((c) => {
        const active = current?.kind === 'class' && current.classIndex === c.index;
        return (
          <button
            key={c.code}
            type="button"
            className={`class-btn ${active ? 'active' : ''}`}
            style={{ ['--class-color' as string]: c.color }}
            onClick={singleClick(() => onPick(c.index))}
            disabled={disabled}
            aria-pressed={active}
            data-testid={`class-${c.code}`}
            title={c.name}
          >
            {c.key && <Kbd k={c.key} />}
            <span className="class-code">{c.code}</span>
            <span className="class-name">{c.short}</span>
          </button>
        );
      })}
    </div>
  );
}
