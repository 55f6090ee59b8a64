import type { Location } from '../router';

export function Catalogue(props: { loc: Location }) {
  return <h1 data-path={props.loc.path}>Catalogue</h1>;
}
